import { Counter, type Registry } from 'prom-client';
import { MONITOR_EVENT_TYPE, type Flow } from '../proto/flow.js';
import type { FlowMetricHandler } from './flow-metric-handler.js';
import { flowProtocol } from './flow-protocol.js';

// Trace observation points by CiliumEventType.sub_type of a trace event (monitor numbering).
const TRACE_SUBTYPE_NAMES: readonly string[] = [
  'to-endpoint', 'to-proxy', 'to-host', 'to-stack', 'to-overlay', 'from-endpoint', 'from-proxy',
  'from-host', 'from-stack', 'from-overlay', 'from-network', 'to-network', 'to-crypto', 'from-crypto',
];

/** The `type` and `subtype` labels, derived from the monitor event type as Hubble does. */
export function flowTypeLabels(flow: Flow): { type: string; subtype: string } {
  const eventType = flow.event_type?.type ?? 0;
  switch (eventType) {
    case MONITOR_EVENT_TYPE.L7:
      return { type: 'L7', subtype: flow.l7?.dns ? 'DNS' : flow.l7?.http ? 'HTTP' : '' };
    case MONITOR_EVENT_TYPE.DROP:
      return { type: 'Drop', subtype: '' };
    case MONITOR_EVENT_TYPE.CAPTURE:
      return { type: 'Capture', subtype: '' };
    case MONITOR_EVENT_TYPE.TRACE:
      return { type: 'Trace', subtype: TRACE_SUBTYPE_NAMES[flow.event_type?.sub_type ?? 0] ?? '' };
    case MONITOR_EVENT_TYPE.POLICY_VERDICT:
      return { type: 'PolicyVerdict', subtype: '' };
    default:
      return { type: 'Unknown', subtype: String(eventType) };
  }
}

/** hubble_flows_processed_total{protocol,type,subtype,verdict} */
export class FlowsProcessedHandler implements FlowMetricHandler {
  readonly name = 'flow';
  private flows!: Counter<'protocol' | 'type' | 'subtype' | 'verdict'>;

  init(registry: Registry): void {
    this.flows = new Counter({
      name: 'hubble_flows_processed_total',
      help: 'Total number of flows processed',
      labelNames: ['protocol', 'type', 'subtype', 'verdict'],
      registers: [registry],
    });
  }

  processFlow(flow: Flow): void {
    const { type, subtype } = flowTypeLabels(flow);
    this.flows.inc({ protocol: flowProtocol(flow), type, subtype, verdict: flow.verdict ?? 'VERDICT_UNKNOWN' });
  }
}

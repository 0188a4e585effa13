import type { Registry } from 'prom-client';
import { MONITOR_EVENT_TYPE, type Flow } from '../proto/flow.js';
import { BatchedCounter } from './batched-counter.js';
import type { FlowMetricHandler } from './flow-metric-handler.js';
import { flowProtocol } from './flow-protocol.js';

// Trace observation points by CiliumEventType.sub_type of a trace event (monitor numbering).
const TRACE_SUBTYPE_NAMES: readonly string[] = [
  'to-endpoint', 'to-proxy', 'to-host', 'to-stack', 'to-overlay', 'from-endpoint', 'from-proxy',
  'from-host', 'from-stack', 'from-overlay', 'from-network', 'to-network', 'to-crypto', 'from-crypto',
];

/** The `type` label, from the monitor event type as Hubble names it. */
function typeLabel(eventType: number): string {
  switch (eventType) {
    case MONITOR_EVENT_TYPE.L7:
      return 'L7';
    case MONITOR_EVENT_TYPE.DROP:
      return 'Drop';
    case MONITOR_EVENT_TYPE.CAPTURE:
      return 'Capture';
    case MONITOR_EVENT_TYPE.TRACE:
      return 'Trace';
    case MONITOR_EVENT_TYPE.POLICY_VERDICT:
      return 'PolicyVerdict';
    default:
      return 'Unknown';
  }
}

/** The `subtype` label: the L7 protocol, the trace observation point, or the number of an unknown event type. */
function subtypeLabel(flow: Flow, eventType: number): string {
  switch (eventType) {
    case MONITOR_EVENT_TYPE.L7:
      return flow.l7?.dns ? 'DNS' : flow.l7?.http ? 'HTTP' : '';
    case MONITOR_EVENT_TYPE.TRACE:
      return TRACE_SUBTYPE_NAMES[flow.event_type?.sub_type ?? 0] ?? '';
    case MONITOR_EVENT_TYPE.DROP:
    case MONITOR_EVENT_TYPE.CAPTURE:
    case MONITOR_EVENT_TYPE.POLICY_VERDICT:
      return '';
    default:
      return String(eventType);
  }
}

/** hubble_flows_processed_total{protocol,type,subtype,verdict} */
export class FlowsProcessedHandler implements FlowMetricHandler {
  readonly name = 'flow';
  private flows!: BatchedCounter<[protocol: string, type: string, subtype: string, verdict: string]>;

  init(registry: Registry): void {
    this.flows = new BatchedCounter({
      name: 'hubble_flows_processed_total',
      help: 'Total number of flows processed',
      labelNames: ['protocol', 'type', 'subtype', 'verdict'],
      registry,
    });
  }

  processFlow(flow: Flow): void {
    const eventType = flow.event_type?.type ?? 0;
    this.flows.inc(flowProtocol(flow), typeLabel(eventType), subtypeLabel(flow, eventType), flow.verdict ?? 'VERDICT_UNKNOWN');
  }
}

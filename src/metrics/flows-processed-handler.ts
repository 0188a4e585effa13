import type { Registry } from 'prom-client';
import { MONITOR_EVENT_TYPE } from '../proto/flow.js';
import { BatchedCounter } from './batched-counter.js';
import { ContextLabels } from './context-options.js';
import type { FlowMetricHandler } from './flow-metric-handler.js';
import { flowProtocol } from './flow-protocol.js';
import type { MeteredFlow } from './metered-flow.js';
import type { SeriesLimit } from './series-limit.js';

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
function subtypeLabel(view: MeteredFlow, eventType: number): string {
  switch (eventType) {
    case MONITOR_EVENT_TYPE.L7: {
      const l7 = view.l7();
      return l7?.dns ? 'DNS' : l7?.http ? 'HTTP' : '';
    }
    case MONITOR_EVENT_TYPE.TRACE:
      return TRACE_SUBTYPE_NAMES[view.eventSubType] ?? '';
    case MONITOR_EVENT_TYPE.DROP:
    case MONITOR_EVENT_TYPE.CAPTURE:
    case MONITOR_EVENT_TYPE.POLICY_VERDICT:
      return '';
    default:
      return String(eventType);
  }
}

/** hubble_flows_processed_total{protocol,type,subtype,verdict} and the context labels. */
export class FlowsProcessedHandler implements FlowMetricHandler {
  readonly name = 'flow';
  readonly l7Only = false;
  private flows!: BatchedCounter;
  private readonly values: string[];

  constructor(private readonly context = new ContextLabels()) {
    this.values = new Array<string>(4 + context.names.length).fill('');
  }

  init(registry: Registry, limit: SeriesLimit): void {
    this.flows = new BatchedCounter({
      name: 'hubble_flows_processed_total',
      help: 'Total number of flows processed',
      labelNames: ['protocol', 'type', 'subtype', 'verdict', ...this.context.names],
      registry,
      limit,
    });
  }

  processFlow(view: MeteredFlow): void {
    const values = this.values;
    const eventType = view.eventType;
    values[0] = flowProtocol(view, eventType);
    values[1] = typeLabel(eventType);
    values[2] = subtypeLabel(view, eventType);
    values[3] = view.verdict;
    this.context.fill(view, values, 4);
    this.flows.inc(values);
  }
}

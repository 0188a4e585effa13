import type { Registry } from 'prom-client';
import { BatchedCounter } from './batched-counter.js';
import { ContextLabels } from './context-options.js';
import type { FlowMetricHandler } from './flow-metric-handler.js';
import { flowProtocol } from './flow-protocol.js';
import { TCP_FLAG, type MeteredFlow } from './metered-flow.js';
import { portText } from './port-text.js';
import type { SeriesLimit } from './series-limit.js';

const WORLD_LABEL = 'reserved:world';

export interface FlowsToWorldOptions {
  /** Count every drop, not only policy drops. */
  anyDrop?: boolean;
  /** Add the destination port as label `port`. */
  port?: boolean;
  /** Count only TCP SYNs that are not replies. */
  synOnly?: boolean;
}

/**
 * hubble_flows_to_world_total{protocol,verdict[,port]} and the context labels: flows that are
 * not replies to a destination carrying reserved:world. Drops count only when the policy
 * dropped them, unless any-drop is set.
 */
export class FlowsToWorldHandler implements FlowMetricHandler {
  readonly name = 'flows-to-world';
  readonly l7Only = false;
  private flows!: BatchedCounter;
  private readonly values: string[];
  private readonly contextAt: number;

  constructor(
    private readonly options: FlowsToWorldOptions = {},
    private readonly context = new ContextLabels(),
  ) {
    this.contextAt = options.port ? 3 : 2;
    this.values = new Array<string>(this.contextAt + context.names.length).fill('');
  }

  init(registry: Registry, limit: SeriesLimit): void {
    this.flows = new BatchedCounter({
      name: 'hubble_flows_to_world_total',
      help: 'Total number of flows to reserved:world',
      labelNames: ['protocol', 'verdict', ...(this.options.port ? ['port'] : []), ...this.context.names],
      registry,
      limit,
    });
  }

  processFlow(view: MeteredFlow): void {
    const protocol = view.l4Protocol;
    if (protocol === undefined || view.eventType === 0) return;
    if (!(view.destination?.labels ?? []).includes(WORLD_LABEL)) return;
    const dropped = view.verdict === 'DROPPED';
    if (dropped && !this.options.anyDrop && view.dropReasonDesc !== 'POLICY_DENIED') return;
    const isReply = view.isReply === true;
    if (!dropped && isReply) return;
    // As upstream: with syn-only, only TCP SYNs count (flows of other protocols have no SYN).
    if (this.options.synOnly && ((view.tcpFlags & TCP_FLAG.SYN) === 0 || isReply)) return;
    const values = this.values;
    values[0] = flowProtocol(view);
    values[1] = view.verdict;
    if (this.options.port) values[2] = protocol === 'TCP' || protocol === 'UDP' || protocol === 'SCTP' ? portText(view.destinationPort) : '';
    this.context.fill(view, values, this.contextAt);
    this.flows.inc(values);
  }
}

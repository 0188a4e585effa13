import type { Registry } from 'prom-client';
import { BatchedCounter } from './batched-counter.js';
import { ContextLabels } from './context-options.js';
import type { FlowMetricHandler } from './flow-metric-handler.js';
import { flowProtocol } from './flow-protocol.js';
import type { MeteredFlow } from './metered-flow.js';
import type { SeriesLimit } from './series-limit.js';

/**
 * hubble_drop_total{reason,protocol} and the context labels, for flows with verdict DROPPED.
 * `reason` is the kernel's drop reason name when the flow carries one (Hubble's DropReason
 * enum has no value for most of them), else the DropReason name as upstream writes it.
 */
export class DropHandler implements FlowMetricHandler {
  readonly name = 'drop';
  readonly l7Only = false;
  private drops!: BatchedCounter;
  private readonly values: string[];
  private readonly at: number;

  constructor(private readonly context = new ContextLabels()) {
    this.at = context.names.length;
    this.values = new Array<string>(this.at + 2).fill('');
  }

  init(registry: Registry, limit: SeriesLimit): void {
    this.drops = new BatchedCounter({
      name: 'hubble_drop_total',
      help: 'Number of drops',
      labelNames: [...this.context.names, 'reason', 'protocol'],
      registry,
      limit,
    });
  }

  processFlow(view: MeteredFlow): void {
    if (view.verdict !== 'DROPPED') return;
    const values = this.values;
    this.context.fill(view, values, 0);
    values[this.at] = view.dropReasonName();
    values[this.at + 1] = flowProtocol(view);
    this.drops.inc(values);
  }
}

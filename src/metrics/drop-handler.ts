import type { Registry } from 'prom-client';
import type { Flow } from '../proto/flow.js';
import { BatchedCounter } from './batched-counter.js';
import { dropReasonLabel } from './drop-reason-label.js';
import type { FlowMetricHandler } from './flow-metric-handler.js';
import { flowProtocol } from './flow-protocol.js';

/** hubble_drop_total{reason,protocol}, for flows with verdict DROPPED. */
export class DropHandler implements FlowMetricHandler {
  readonly name = 'drop';
  private drops!: BatchedCounter<[reason: string, protocol: string]>;

  init(registry: Registry): void {
    this.drops = new BatchedCounter({
      name: 'hubble_drop_total',
      help: 'Number of drops',
      labelNames: ['reason', 'protocol'],
      registry,
    });
  }

  processFlow(flow: Flow): void {
    if (flow.verdict !== 'DROPPED') return;
    this.drops.inc(dropReasonLabel(flow), flowProtocol(flow));
  }
}

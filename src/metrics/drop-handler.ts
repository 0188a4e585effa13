import { Counter, type Registry } from 'prom-client';
import type { Flow } from '../proto/flow.js';
import { dropReasonLabel } from './drop-reason-label.js';
import type { FlowMetricHandler } from './flow-metric-handler.js';
import { flowProtocol } from './flow-protocol.js';

/** hubble_drop_total{reason,protocol}, for flows with verdict DROPPED. */
export class DropHandler implements FlowMetricHandler {
  readonly name = 'drop';
  private drops!: Counter<'reason' | 'protocol'>;

  init(registry: Registry): void {
    this.drops = new Counter({
      name: 'hubble_drop_total',
      help: 'Number of drops',
      labelNames: ['reason', 'protocol'],
      registers: [registry],
    });
  }

  processFlow(flow: Flow): void {
    if (flow.verdict !== 'DROPPED') return;
    this.drops.inc({ reason: dropReasonLabel(flow), protocol: flowProtocol(flow) });
  }
}

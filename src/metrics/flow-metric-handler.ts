import type { Registry } from 'prom-client';
import type { Flow } from '../proto/flow.js';

/** One metric family fed by flows: registers its metrics once, then accounts each flow. */
export interface FlowMetricHandler {
  readonly name: string;
  init(registry: Registry): void;
  processFlow(flow: Flow): void;
}

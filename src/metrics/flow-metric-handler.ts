import type { Registry } from 'prom-client';
import type { MeteredFlow } from './metered-flow.js';
import type { SeriesLimit } from './series-limit.js';

/** One metric family fed by flows: registers its metrics once, then accounts each flow. */
export interface FlowMetricHandler {
  readonly name: string;
  init(registry: Registry, limit: SeriesLimit): void;
  processFlow(view: MeteredFlow): void;
}

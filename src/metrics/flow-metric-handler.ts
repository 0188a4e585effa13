import type { Registry } from 'prom-client';
import type { MeteredFlow } from './metered-flow.js';
import type { SeriesLimit } from './series-limit.js';

/** One metric family fed by flows: registers its metrics once, then accounts each flow. */
export interface FlowMetricHandler {
  readonly name: string;
  /** True when only flows with an L7 part (DNS, HTTP) change its metrics. */
  readonly l7Only: boolean;
  init(registry: Registry, limit: SeriesLimit): void;
  processFlow(view: MeteredFlow): void;
}

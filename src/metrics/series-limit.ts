import { Counter, type Registry } from 'prom-client';

/**
 * The bound on the series of each flow metric, and flowlens_metric_series_limited_total{metric}:
 * increments that found their metric full and were not recorded. Label values come from
 * traffic (addresses, names, pods), so without a bound hostile traffic could grow a metric
 * without end.
 */
export class SeriesLimit {
  private readonly limited = new Map<string, { count: number }>();

  constructor(
    registry: Registry,
    readonly maxSeriesPerMetric: number,
  ) {
    const limited = this.limited;
    new Counter({
      name: 'flowlens_metric_series_limited_total',
      help: 'Flow metric increments not recorded because the metric already held metrics.maxSeriesPerMetric series',
      labelNames: ['metric'],
      registers: [registry],
      collect() {
        for (const [metric, pending] of limited) {
          this.inc({ metric }, pending.count);
          pending.count = 0;
        }
      },
    });
  }

  /** The pending count of one metric's unrecorded increments; the caller adds to it. */
  counterFor(metric: string): { count: number } {
    let pending = this.limited.get(metric);
    if (pending === undefined) {
      pending = { count: 0 };
      this.limited.set(metric, pending);
    }
    return pending;
  }
}

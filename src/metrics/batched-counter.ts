import { Counter, type Registry } from 'prom-client';
import { registerExemplars, type Exemplar } from './exemplars.js';
import { LabelTree } from './label-tree.js';
import type { SeriesLimit } from './series-limit.js';

interface PendingSeries {
  readonly labels: Record<string, string>;
  pending: number;
  exemplar: Exemplar | undefined;
}

export interface BatchedCounterOptions {
  name: string;
  help: string;
  labelNames: readonly string[];
  registry: Registry;
  limit: SeriesLimit;
  /** Keep the newest trace id of each series as its exemplar (OpenMetrics exposition). */
  exemplars?: boolean;
}

/**
 * A prom-client counter fed per flow: increments are added to a cached series per label
 * combination and handed to the counter when it is read (every exposition collects first),
 * so a reader sees the same values as if each increment had gone to prom-client directly.
 */
export class BatchedCounter {
  private readonly series: PendingSeries[] = [];
  private readonly tree: LabelTree<PendingSeries>;
  private readonly limited: { count: number };

  constructor(options: BatchedCounterOptions) {
    const { labelNames } = options;
    this.limited = options.limit.counterFor(options.name);
    this.tree = new LabelTree(
      labelNames,
      (labels) => {
        const series: PendingSeries = { labels, pending: 0, exemplar: undefined };
        this.series.push(series);
        return series;
      },
      options.limit.maxSeriesPerMetric,
    );
    if (options.exemplars) {
      registerExemplars(options.registry, options.name, (labels) => this.tree.find(labelNames.map((name) => labels[name] ?? ''))?.exemplar);
    }
    const flush = (counter: Counter): void => {
      for (const series of this.series) {
        if (series.pending === 0) continue;
        counter.inc(series.labels, series.pending);
        series.pending = 0;
      }
    };
    new Counter({
      name: options.name,
      help: options.help,
      labelNames,
      registers: [options.registry],
      collect() {
        flush(this);
      },
    });
  }

  /** Adds one to the series with these label values (in label-name order); traceId, when given, becomes its exemplar. */
  inc(values: readonly string[], traceId = ''): void {
    const series = this.tree.get(values);
    if (series === undefined) {
      this.limited.count++;
      return;
    }
    series.pending++;
    if (traceId !== '') series.exemplar = { traceId, value: 1, timestampMs: Date.now() };
  }
}

import { Histogram, type Registry } from 'prom-client';
import { registerExemplars, type Exemplar } from './exemplars.js';
import { LabelTree } from './label-tree.js';
import type { SeriesLimit } from './series-limit.js';

export interface BoundedHistogramOptions {
  name: string;
  help: string;
  labelNames: readonly string[];
  registry: Registry;
  limit: SeriesLimit;
  /** Keep the newest traced observation of each series as its exemplar (OpenMetrics exposition). */
  exemplars?: boolean;
}

interface Series {
  readonly labels: Record<string, string>;
  exemplar: Exemplar | undefined;
}

/** A prom-client histogram whose series are bounded by the SeriesLimit, with a cached label object per series. */
export class BoundedHistogram {
  private readonly histogram: Histogram;
  private readonly tree: LabelTree<Series>;
  private readonly limited: { count: number };

  constructor(options: BoundedHistogramOptions) {
    const { labelNames } = options;
    this.limited = options.limit.counterFor(options.name);
    this.tree = new LabelTree(labelNames, (labels) => ({ labels, exemplar: undefined }), options.limit.maxSeriesPerMetric);
    if (options.exemplars) {
      registerExemplars(options.registry, options.name, (labels) => this.tree.find(labelNames.map((name) => labels[name] ?? ''))?.exemplar);
    }
    this.histogram = new Histogram({ name: options.name, help: options.help, labelNames, registers: [options.registry] });
  }

  observe(values: readonly string[], value: number, traceId = ''): void {
    const series = this.tree.get(values);
    if (series === undefined) {
      this.limited.count++;
      return;
    }
    this.histogram.observe(series.labels, value);
    if (traceId !== '') series.exemplar = { traceId, value, timestampMs: Date.now() };
  }
}

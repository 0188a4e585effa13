import { Counter, type Registry } from 'prom-client';
import { LabelTree } from './label-tree.js';

/** Label values in the order of their label names; flow metrics have two to four labels. */
export type LabelValueTuple = [string, string] | [string, string, string] | [string, string, string, string];

interface PendingSeries {
  readonly labels: Record<string, string>;
  pending: number;
}

export interface BatchedCounterOptions<V extends LabelValueTuple> {
  name: string;
  help: string;
  /** As many names as V has values, in the same order. */
  labelNames: { readonly [K in keyof V]: string };
  registry: Registry;
}

/**
 * A prom-client counter fed per flow: increments are added to a cached series per label
 * combination and handed to the counter when it is read (every exposition collects first),
 * so a reader sees the same values as if each increment had gone to prom-client directly.
 */
export class BatchedCounter<V extends LabelValueTuple> {
  private readonly series: PendingSeries[] = [];
  private readonly tree: LabelTree<PendingSeries>;

  constructor(options: BatchedCounterOptions<V>) {
    this.tree = new LabelTree(options.labelNames, (labels) => {
      const series = { labels, pending: 0 };
      this.series.push(series);
      return series;
    });
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
      labelNames: options.labelNames,
      registers: [options.registry],
      collect() {
        flush(this);
      },
    });
  }

  /** Adds one to the series with these label values, given in label-name order. */
  inc(...values: V): void;
  inc(v0: string, v1: string, v2?: string, v3?: string): void {
    this.tree.get(v0, v1, v2, v3).pending++;
  }
}

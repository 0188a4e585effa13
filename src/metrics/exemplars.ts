import type { Registry } from 'prom-client';

/** The newest traced observation of one series. */
export interface Exemplar {
  traceId: string;
  value: number;
  timestampMs: number;
}

type Lookup = (labels: Readonly<Record<string, string>>) => Exemplar | undefined;

// prom-client only keeps exemplars on a registry that always speaks OpenMetrics, which
// promtool and plain-text scrapers cannot read; so the flow metrics keep their own, and the
// OpenMetrics exposition (served when a scraper asks for it) writes them.
const byRegistry = new WeakMap<Registry, Map<string, Lookup>>();

/** Makes a metric's exemplars readable by the OpenMetrics exposition of its registry. */
export function registerExemplars(registry: Registry, metric: string, lookup: Lookup): void {
  let lookups = byRegistry.get(registry);
  if (lookups === undefined) {
    lookups = new Map();
    byRegistry.set(registry, lookups);
  }
  lookups.set(metric, lookup);
}

/** The exemplar of a series of `metric` (labels without `le`), if the metric keeps exemplars and has one. */
export function exemplarOf(registry: Registry, metric: string, labels: Readonly<Record<string, string>>): Exemplar | undefined {
  return byRegistry.get(registry)?.get(metric)?.(labels);
}

import type { Registry } from 'prom-client';
import { exemplarOf, type Exemplar } from './exemplars.js';

export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

/** Whether a scraper's Accept header asks for OpenMetrics (Prometheus does, before the text format). */
export function acceptsOpenMetrics(accept: string | undefined): boolean {
  return accept !== undefined && accept.includes('application/openmetrics-text');
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function numberText(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

function labelsText(labels: Readonly<Record<string, string | number>>): string {
  const parts = Object.entries(labels).map(([name, value]) => `${name}="${escapeLabelValue(String(value))}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

function exemplarText(exemplar: Exemplar): string {
  return ` # {traceID="${escapeLabelValue(exemplar.traceId)}"} ${numberText(exemplar.value)} ${(exemplar.timestampMs / 1000).toFixed(3)}`;
}

interface Sample {
  labels?: Record<string, string | number>;
  value: number;
  metricName?: string;
}

/**
 * The registry in the OpenMetrics text format, with the flow metrics' exemplars (trace ids):
 * counter families are named without `_total` and their samples with it, a histogram's
 * exemplar sits on the first bucket that holds its value, and the text ends with `# EOF`.
 */
export async function openMetricsText(registry: Registry): Promise<string> {
  const lines: string[] = [];
  for (const metric of registry.getMetricsAsArray()) {
    const data = (await (metric as unknown as { get(): Promise<unknown> }).get()) as { name: string; help: string; type: string; values: Sample[] };
    const counter = data.type === 'counter';
    const family = counter ? data.name.replace(/_total$/, '') : data.name;
    lines.push(`# HELP ${family} ${data.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
    lines.push(`# TYPE ${family} ${data.type}`);
    const placed = new Set<Exemplar>();
    for (const sample of data.values) {
      const labels = sample.labels ?? {};
      const name = sample.metricName ?? (counter ? `${family}_total` : family);
      let line = `${name}${labelsText(labels)} ${numberText(sample.value)}`;
      if (counter) {
        const exemplar = exemplarOf(registry, data.name, labels as Record<string, string>);
        if (exemplar) line += exemplarText(exemplar);
      } else if (data.type === 'histogram' && name.endsWith('_bucket')) {
        const { le, ...series } = labels;
        const exemplar = exemplarOf(registry, data.name, series as Record<string, string>);
        const bound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
        if (exemplar && !placed.has(exemplar) && exemplar.value <= bound) {
          placed.add(exemplar);
          line += exemplarText(exemplar);
        }
      }
      lines.push(line);
    }
  }
  lines.push('# EOF');
  return `${lines.join('\n')}\n`;
}

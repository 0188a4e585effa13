import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Registry } from 'prom-client';
import { FlowLogExporter } from '../../src/export/flow-log-exporter.js';
import { FlowLogMetrics } from '../../src/export/flow-log-metrics.js';
import { DEFAULT_FILE_MAX_BACKUPS, DEFAULT_FILE_MAX_SIZE_MB, type FlowLogOptions } from '../../src/export/flow-log-options.js';
import { parseProtoJson } from '../../src/export/protojson-parser.js';
import type { GetFlowsResponse } from '../../src/proto/observer.js';
import { FlowStore } from '../../src/store/flow-store.js';

// A real store, real metrics registry and real files for flow-log tests.

export interface Kit {
  store: FlowStore;
  registry: Registry;
  metrics: FlowLogMetrics;
  exporter(options: Partial<FlowLogOptions> & Pick<FlowLogOptions, 'filePath'>, queueLimitBytes?: number): FlowLogExporter;
}

export function kit(capacity = 65_535): Kit {
  const store = new FlowStore({ capacity });
  const registry = new Registry();
  const metrics = new FlowLogMetrics(registry);
  return {
    store,
    registry,
    metrics,
    exporter: (options, queueLimitBytes) => {
      const exporter = new FlowLogExporter(
        {
          name: 'test',
          fileMaxSizeMb: DEFAULT_FILE_MAX_SIZE_MB,
          fileMaxBackups: DEFAULT_FILE_MAX_BACKUPS,
          fileCompress: false,
          allowList: [],
          denyList: [],
          fieldMask: [],
          ...options,
        },
        { store, nodeName: 'default/node-a', metrics, ...(queueLimitBytes === undefined ? {} : { queueLimitBytes }) },
      );
      return exporter;
    },
  };
}

/** flowlens_flowlog_lines_total of one log, by outcome. */
export async function lineCounts(registry: Registry, log = 'test'): Promise<Record<string, number>> {
  const metric = await registry.getSingleMetric('flowlens_flowlog_lines_total')!.get();
  const counts: Record<string, number> = { written: 0, dropped: 0, failed: 0 };
  for (const value of metric.values) if (value.labels.log === log) counts[value.labels.outcome as string] = value.value;
  return counts;
}

export function readLines(path: string): GetFlowsResponse[] {
  const text = path.endsWith('.gz') ? gunzipSync(readFileSync(path)).toString() : readFileSync(path, 'utf8');
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => parseProtoJson<GetFlowsResponse>('observer.GetFlowsResponse', line));
}

/** Every line of a log and its kept backups, oldest first. */
export function readAllLines(dir: string, name: string): GetFlowsResponse[] {
  const stem = name.replace(/\.log$/, '');
  const backups = readdirSync(dir)
    .filter((n) => n.startsWith(`${stem}-`))
    .sort();
  return [...backups, name].flatMap((n) => readLines(join(dir, n)));
}

import type { Registry } from 'prom-client';
import type { Config } from '../config/config.js';
import { FlowlensError } from '../errors.js';
import type { FlowStoreReader } from '../store/flow-store.js';
import { DynamicFlowLogs } from './dynamic-flow-logs.js';
import { FlowLogExporter } from './flow-log-exporter.js';
import { FlowLogMetrics } from './flow-log-metrics.js';
import { STATIC_FLOW_LOG_NAME } from './flow-log-options.js';

export interface RunningFlowLogs {
  stop(): Promise<void>;
}

/** The flow logs the configuration asks for: the --hubble-export-* one and those of the flow-logs file. */
export async function startFlowLogs(config: Config, deps: { store: FlowStoreReader; nodeName: string; registry: Registry }): Promise<RunningFlowLogs> {
  const metrics = new FlowLogMetrics(deps.registry);
  const exporterDeps = { store: deps.store, nodeName: deps.nodeName, metrics };
  const stops: (() => Promise<void>)[] = [];
  const { export: settings } = config;
  if (settings.filePath !== '') {
    const exporter = new FlowLogExporter(
      {
        name: STATIC_FLOW_LOG_NAME,
        filePath: settings.filePath,
        fileMaxSizeMb: settings.fileMaxSizeMb,
        fileMaxBackups: settings.fileMaxBackups,
        fileCompress: settings.fileCompress,
        allowList: settings.allowList,
        denyList: settings.denyList,
        fieldMask: settings.fieldMask,
      },
      exporterDeps,
    );
    exporter.start();
    const unwatch = metrics.watch(() => [exporter.state()]);
    stops.push(async () => {
      unwatch();
      await exporter.stop();
    });
  }
  if (settings.flowlogsConfigPath !== '') {
    const dynamic = new DynamicFlowLogs(settings.flowlogsConfigPath, exporterDeps);
    try {
      await dynamic.start();
    } catch (err) {
      await Promise.all([dynamic.stop(), ...stops.map((stop) => stop())]);
      throw new FlowlensError('FL_CONFIG_INVALID', `export.flowlogsConfigPath: ${(err as Error).message}`, { cause: err });
    }
    stops.push(() => dynamic.stop());
  }
  return { stop: async () => void (await Promise.all(stops.map((stop) => stop()))) };
}

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { moduleLogger } from '../log.js';
import { FlowLogExporter, type FlowLogExporterDeps } from './flow-log-exporter.js';
import type { FlowLogOptions } from './flow-log-options.js';
import type { FlowLogState } from './flow-log-metrics.js';
import { parseFlowLogsFile, sameFlowLog } from './flow-logs-file.js';

const log = moduleLogger('flowlog');

/** Cilium reads the file every 5 seconds. */
export const DEFAULT_RELOAD_INTERVAL_MS = 5_000;

/**
 * The flow logs of the dynamic flow-logs file: the file is read at start and then every
 * interval; when its content changes, new entries start, changed ones restart (after the old
 * one has closed its file), removed ones stop. An unreadable or invalid file keeps the logs
 * running as they are, with a warning and a `failure` reconfiguration counted.
 */
export class DynamicFlowLogs {
  private readonly running = new Map<string, FlowLogExporter>();
  private lastHash: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private reloading: Promise<void> = Promise.resolve();
  private stopWatching: (() => void) | undefined;
  private stopped = false;

  constructor(
    private readonly path: string,
    private readonly deps: FlowLogExporterDeps,
    private readonly reloadIntervalMs = DEFAULT_RELOAD_INTERVAL_MS,
  ) {}

  /** Applies the file once (a problem there is thrown, so start-up can report it), then keeps watching it. */
  async start(): Promise<void> {
    const text = await readFile(this.path, 'utf8');
    this.apply(text, parseFlowLogsFile(text, this.path));
    this.stopWatching = this.deps.metrics.watch(() => this.states());
    this.timer = setInterval(() => {
      this.reloading = this.reloading.then(() => this.reload());
    }, this.reloadIntervalMs);
    this.timer.unref();
  }

  states(): FlowLogState[] {
    return [...this.running.values()].map((exporter) => exporter.state());
  }

  names(): string[] {
    return [...this.running.keys()];
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.reloading;
    this.stopWatching?.();
    await Promise.all([...this.running.values()].map((exporter) => exporter.stop()));
    this.running.clear();
  }

  private async reload(): Promise<void> {
    if (this.stopped) return;
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      this.failed(`unreadable: ${(err as Error).message}`, (err as Error).message);
      return;
    }
    const digest = this.hash(text);
    // Content applied, or already reported as broken.
    if (digest === this.lastHash) return;
    let logs: FlowLogOptions[];
    try {
      logs = parseFlowLogsFile(text, this.path);
    } catch (err) {
      this.failed(digest, (err as Error).message);
      return;
    }
    if (!this.stopped) this.apply(text, logs);
  }

  private failed(key: string, problem: string): void {
    if (key === this.lastHash) return;
    this.lastHash = key;
    this.deps.metrics.countReconfiguration('failure');
    log.warn({ path: this.path, problem }, 'flow-logs file not applied; the flow logs keep running as they were');
  }

  private hash(text: string): string {
    return createHash('sha256').update(text).digest('hex');
  }

  private apply(text: string, logs: FlowLogOptions[]): void {
    const wanted = new Map(logs.map((options) => [options.name, options]));
    // A log whose file another log is still closing starts writing after that.
    const closing = new Map<string, Promise<void>>();
    for (const [name, exporter] of this.running) {
      if (wanted.has(name)) continue;
      this.running.delete(name);
      closing.set(exporter.options.filePath, exporter.stop());
      this.deps.metrics.countReconfiguration('remove');
    }
    for (const options of logs) {
      const current = this.running.get(options.name);
      if (current !== undefined && sameFlowLog(current.options, options)) continue;
      if (current !== undefined) closing.set(current.options.filePath, current.stop());
      const exporter = new FlowLogExporter(options, this.deps);
      exporter.start(closing.get(options.filePath));
      this.running.set(options.name, exporter);
      this.deps.metrics.countReconfiguration(current === undefined ? 'add' : 'update');
    }
    const digest = this.hash(text);
    this.lastHash = digest;
    this.deps.metrics.configApplied(Number.parseInt(digest.slice(0, 12), 16));
  }
}

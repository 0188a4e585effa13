import { moduleLogger } from '../log.js';
import { ThrottledLogger } from '../log-throttle.js';
import { compileFilterLists } from '../filters/flow-filter.js';
import { compileFieldMask } from '../server/field-mask.js';
import { FlowReader } from '../store/flow-reader.js';
import type { FlowStoreReader } from '../store/flow-store.js';
import type { FlowLogOptions } from './flow-log-options.js';
import type { FlowLogMetrics, FlowLogState } from './flow-log-metrics.js';
import { LineQueue } from './line-queue.js';
import { writeGetFlowsResponse } from './protojson-writer.js';
import { MEGABYTE, RotatingFile } from './rotating-file.js';

const log = moduleLogger('flowlog');
const FAILURE_LOG_INTERVAL_MS = 60_000;
/** Text waiting for the disk, per flow log: past this, new lines are dropped (and counted). */
export const DEFAULT_QUEUE_LIMIT_BYTES = 8 * MEGABYTE;
// setTimeout takes at most this many milliseconds.
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface FlowLogExporterDeps {
  store: FlowStoreReader;
  /** This node's name, for lost-event lines (flows carry their own). */
  nodeName: string;
  metrics: FlowLogMetrics;
  queueLimitBytes?: number;
  now?: () => number;
}

/**
 * One flow log: follows the flow store like a GetFlows follow client, writes each selected
 * flow as a GetFlowsResponse line, as Cilium's exporter does. Formatting happens on the event
 * loop as flows arrive; the disk is written asynchronously from a bounded queue, so a slow or
 * full disk costs lines (counted as dropped or failed), never capture.
 */
export class FlowLogExporter {
  private readonly reader: FlowReader;
  private readonly mask: ReturnType<typeof compileFieldMask>;
  private readonly file: RotatingFile;
  private readonly failures = new ThrottledLogger(log, FAILURE_LOG_INTERVAL_MS);
  private readonly queue: LineQueue;
  private readonly now: () => number;
  private writing: Promise<void> | undefined;
  private scheduled: NodeJS.Immediate | undefined;
  private unsubscribe: (() => void) | undefined;
  private endTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private ready: Promise<void> = Promise.resolve();
  private reportedRotations = 0;

  constructor(
    readonly options: FlowLogOptions,
    private readonly deps: FlowLogExporterDeps,
  ) {
    this.now = deps.now ?? Date.now;
    this.queue = new LineQueue(deps.queueLimitBytes ?? DEFAULT_QUEUE_LIMIT_BYTES);
    const matches = compileFilterLists(options.allowList, options.denyList);
    this.mask = compileFieldMask(options.fieldMask);
    this.reader = new FlowReader(deps.store, { number: 0, first: false, follow: true, matches, passStoredLostEvents: options.allowList.length === 0 }, this.now);
    this.file = new RotatingFile({
      path: options.filePath,
      maxSizeBytes: options.fileMaxSizeMb * MEGABYTE,
      maxBackups: options.fileMaxBackups,
      compress: options.fileCompress,
    });
  }

  get name(): string {
    return this.options.name;
  }

  /** Before the end time, if one is given. */
  active(): boolean {
    return !this.stopped && (this.options.end === undefined || this.now() < this.options.end.getTime());
  }

  state(): FlowLogState {
    return { name: this.name, active: this.active(), queuedBytes: this.queue.queuedBytes };
  }

  /** Follows the store from its next flow on; the file is first touched once `after` settles (a log it replaces has closed the same file). */
  start(after: Promise<void> = Promise.resolve()): void {
    this.ready = after.catch(() => undefined);
    if (!this.active()) return;
    this.unsubscribe = this.deps.store.onPush(() => {
      this.scheduled ??= setImmediate(() => this.pump());
    });
    this.armEndTimer();
    log.info({ log: this.name, filePath: this.options.filePath, end: this.options.end }, 'flow log started');
  }

  /** Stops following, writes what is queued, closes the file. */
  async stop(): Promise<void> {
    if (this.stopped) return this.writing;
    this.pump();
    this.stopped = true;
    this.unsubscribe?.();
    if (this.scheduled !== undefined) clearImmediate(this.scheduled);
    clearTimeout(this.endTimer);
    await this.writing;
    await this.file.close().catch((err: unknown) => log.warn({ log: this.name, err }, 'flow log file did not close cleanly'));
    this.failures.stop();
    log.info({ log: this.name }, 'flow log stopped');
  }

  private armEndTimer(): void {
    const end = this.options.end;
    if (end === undefined) return;
    const left = end.getTime() - this.now();
    this.endTimer = setTimeout(() => (left > MAX_TIMER_MS ? this.armEndTimer() : void this.stop()), Math.min(Math.max(left, 0), MAX_TIMER_MS));
    this.endTimer.unref();
  }

  private pump(): void {
    this.scheduled = undefined;
    if (this.stopped || !this.active()) return;
    let dropped = 0;
    let queued = 0;
    for (;;) {
      const step = this.reader.next();
      if (step === 'wait' || step === 'done') break;
      // A full queue stays full for a while: do not format lines that would be dropped.
      if (this.queue.full) {
        dropped += 1;
        continue;
      }
      let text: string;
      if ('flow' in step) {
        const flow = this.mask === undefined ? step.flow : this.mask(step.flow);
        // As upstream: node name and time come from the (masked) flow.
        text = writeGetFlowsResponse({ flow, node_name: flow.node_name, time: flow.time });
      } else {
        if (step.lost_events.source === 'HUBBLE_RING_BUFFER') this.deps.metrics.countMissed(this.name, step.lost_events.num_events_lost ?? 0);
        text = writeGetFlowsResponse({ lost_events: step.lost_events, node_name: this.deps.nodeName, time: step.time });
      }
      if (this.queue.push(text)) queued += 1;
      else dropped += 1;
    }
    this.deps.metrics.countLines(this.name, 'dropped', dropped);
    if (queued > 0) this.writing ??= this.drain();
  }

  private async drain(): Promise<void> {
    await this.ready;
    for (let lines = this.queue.take(); lines !== undefined; lines = this.queue.take()) {
      try {
        const { written, tooLong } = await this.file.write(lines);
        this.deps.metrics.countLines(this.name, 'written', written);
        this.deps.metrics.countLines(this.name, 'failed', tooLong);
      } catch (err) {
        this.deps.metrics.countLines(this.name, 'failed', lines.ends.length);
        this.failures.warn({ log: this.name, filePath: this.options.filePath, err }, 'flow log write failed; its lines are dropped');
      }
      this.queue.release(lines);
      this.deps.metrics.countRotations(this.name, this.file.rotations - this.reportedRotations);
      this.reportedRotations = this.file.rotations;
    }
    this.writing = undefined;
  }
}

import { setImmediate as yieldToEventLoop, setTimeout as delay } from 'node:timers/promises';
import { moduleLogger } from '../log.js';
import { ThrottledLogger } from '../log-throttle.js';
import { NativeSession, removeStaleAttachments, type L7CaptureStats, type SessionConfig, type SessionStats } from '../native/binding.js';
import { OFFSET_SIZE, RECORD_BYTES } from '../native/records.js';
import { InterfaceWatcher } from './interface-watcher.js';
import type { CaptureMode } from './mode.js';
import type { CaptureHandlers, CaptureSource, CaptureStats, CapturedInterface } from './source.js';

// One native capture session (tracer: eBPF; base: AF_PACKET) behind the CaptureSource
// lifecycle. A single poll is in flight at a time, into buffers owned here; each poll
// waits at most a short timeout on the libuv pool so file I/O never queues behind it.
// Nothing thrown inside the loop escapes it: failures are counted, logged (rate-limited)
// and followed by a pause.

const log = moduleLogger('native-source');

const DEFAULT_BUFFER_BYTES = 1 << 20;
const DEFAULT_POLL_TIMEOUT_MS = 50;
// A batch under a quarter of a buffer means the rings are nearly empty: let records
// gather briefly instead of paying a pool round trip for a handful.
const SMALL_BATCH_DELAY_MS = 5;
// Records handed to the pipeline between two event-loop turns.
const DELIVERY_SLICE_RECORDS = 64;
const POLL_ERROR_PAUSE_MS = 200;
const LOST_CHECK_INTERVAL_MS = 100;
const ERROR_LOG_INTERVAL_MS = 10_000;

export interface NativeSourceOptions {
  session: SessionConfig;
  /** capture.interfaces: names or glob patterns; empty: every non-loopback interface. */
  interfaces: readonly string[];
  handlers: CaptureHandlers;
  /** Size of each of the two poll buffers. */
  bufferBytes?: number;
  pollTimeoutMs?: number;
  scanIntervalMs?: number;
}

type NativeStats = SessionStats & L7CaptureStats;

const NO_NATIVE_STATS: NativeStats = { records: 0, lost: 0, malformed: 0, packets: 0, skipped: 0, attached: 0, payloadLimited: 0, tlsFiles: 0, tlsUnmatched: 0 };

export class NativeSource implements CaptureSource {
  readonly mode: CaptureMode;
  private readonly buffers: readonly [Buffer, Buffer];
  private readonly pollTimeoutMs: number;
  private readonly watcher: InterfaceWatcher;
  private session: NativeSession | undefined;
  private running = false;
  private loop: Promise<void> = Promise.resolve();
  private stopping: Promise<void> | undefined;
  private lastNativeStats: NativeStats = NO_NATIVE_STATS;
  private lostReported = 0;
  private lastLostCheckMs = 0;
  private recordsDecoded = 0;
  private malformedBytes = 0;
  private errorCount = 0;
  private lastPollAtMs = 0;
  private readonly errorLog = new ThrottledLogger(log, ERROR_LOG_INTERVAL_MS);
  constructor(private readonly options: NativeSourceOptions) {
    this.mode = options.session.mode;
    const bufferBytes = options.bufferBytes ?? DEFAULT_BUFFER_BYTES;
    this.buffers = [Buffer.alloc(bufferBytes), Buffer.alloc(bufferBytes)];
    this.pollTimeoutMs = options.pollTimeoutMs ?? DEFAULT_POLL_TIMEOUT_MS;
    this.watcher = new InterfaceWatcher({
      patterns: options.interfaces,
      scanIntervalMs: options.scanIntervalMs,
      target: { attach: (iface) => this.attach(iface), detach: (iface) => this.detach(iface) },
    });
  }

  /** Opens the session (throws a FlowlensError when the kernel refuses), starts polling, attaches. */
  async start(): Promise<void> {
    if (this.session !== undefined || this.stopping !== undefined) return;
    const session = NativeSession.open(this.options.session);
    this.session = session;
    this.running = true;
    this.loop = this.pollLoop(session);
    log.info({ mode: this.mode }, 'capture started');
    await this.watcher.start();
  }

  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  attachedInterfaces(): readonly CapturedInterface[] {
    return this.watcher.attached();
  }

  lookupInterface(ifindex: number): CapturedInterface | undefined {
    return this.watcher.lookupInterface(ifindex);
  }

  stats(): CaptureStats {
    const native = this.nativeStats();
    return {
      recordsRead: native.records,
      recordsDecoded: this.recordsDecoded,
      malformedBytes: this.malformedBytes,
      malformedPackets: native.malformed,
      lost: native.lost,
      packets: native.packets,
      skippedPackets: native.skipped,
      attachedInterfaces: this.watcher.attached().length,
      errors: this.errorCount + this.watcher.errors,
      lastPollAtMs: this.lastPollAtMs,
      payloadLimited: native.payloadLimited,
      tlsFilesProbed: native.tlsFiles,
      tlsUnmatched: native.tlsUnmatched,
    };
  }

  private async attach(iface: CapturedInterface): Promise<void> {
    const session = this.session;
    if (session === undefined) return;
    try {
      removeStaleAttachments(iface.index);
    } catch (err) {
      // Without CAP_NET_ADMIN (base mode with capabilities dropped) there is nothing of
      // ours to remove anyway: a killed tracer-mode agent had the privilege, we do not.
      log.debug({ err, iface: iface.name }, 'cannot check for stale attachments');
    }
    session.attach(iface.index);
  }

  private async detach(iface: CapturedInterface): Promise<void> {
    this.session?.detach(iface.index);
  }

  /**
   * Polls into two buffers in turn. After a busy poll (a quarter of the buffer or more),
   * the next poll starts into the other buffer before this batch is decoded, so the native
   * drain runs on a pool thread while JavaScript decodes; still one poll in flight. After
   * a small batch the loop pauses briefly so records gather; an empty poll has already
   * waited its timeout. Every poll started is awaited before the loop ends.
   */
  private async pollLoop(session: NativeSession): Promise<void> {
    let filling = 0;
    let next: Promise<number> | undefined = this.pollInto(session, this.buffers[filling]!);
    while (next !== undefined) {
      const bytes = await next;
      next = undefined;
      const filled = this.buffers[filling]!;
      filling ^= 1;
      if (bytes >= filled.length >> 2 && this.running) next = this.pollInto(session, this.buffers[filling]!);
      if (bytes > 0) await this.deliver(filled, bytes);
      this.reportLost(false);
      if (next === undefined && this.running) {
        if (bytes < 0) await delay(POLL_ERROR_PAUSE_MS);
        else if (bytes > 0) await delay(SMALL_BATCH_DELAY_MS);
        if (this.running) next = this.pollInto(session, this.buffers[filling]!);
      }
    }
  }

  /** Bytes of records polled into `buffer`, or -1 when the poll failed (counted and logged). */
  private async pollInto(session: NativeSession, buffer: Buffer): Promise<number> {
    try {
      const bytes = await session.poll(buffer, this.pollTimeoutMs);
      this.lastPollAtMs = Date.now();
      return bytes;
    } catch (err) {
      this.failed(err, 'capture poll failed');
      return -1;
    }
  }

  /**
   * Hands the records to the handlers in slices, yielding to the event loop between slices:
   * a full poll batch takes long enough to process that gRPC writes (a follower's GetFlows
   * stream) would otherwise wait for the whole batch.
   */
  private async deliver(buffer: Buffer, bytes: number): Promise<void> {
    let start = 0;
    while (start < bytes) {
      if (start > 0) await yieldToEventLoop();
      const end = sliceEnd(buffer, start, bytes);
      try {
        const counts = this.options.handlers.onRecords(buffer.subarray(start, end), end - start);
        this.recordsDecoded += counts.records;
        this.malformedBytes += counts.malformedBytes;
      } catch (err) {
        this.failed(err, 'capture record handler failed');
      }
      start = end;
    }
  }

  /** Turns growth of the cumulative native lost counter into lost events. */
  private reportLost(force: boolean): void {
    const now = Date.now();
    if (!force && now - this.lastLostCheckMs < LOST_CHECK_INTERVAL_MS) return;
    this.lastLostCheckMs = now;
    const lost = this.nativeStats().lost;
    if (lost <= this.lostReported) return;
    const delta = lost - this.lostReported;
    this.lostReported = lost;
    try {
      this.options.handlers.onLost(delta);
    } catch (err) {
      this.failed(err, 'capture lost-event handler failed');
    }
  }

  private nativeStats(): NativeStats {
    if (this.session === undefined) return this.lastNativeStats;
    try {
      this.lastNativeStats = { ...this.session.stats(), ...this.session.l7Stats() };
    } catch (err) {
      this.failed(err, 'capture statistics could not be read');
    }
    return this.lastNativeStats;
  }

  private failed(err: unknown, msg: string): void {
    this.errorCount++;
    this.errorLog.error({ err }, msg);
  }

  private async shutdown(): Promise<void> {
    await this.watcher.stop();
    this.running = false;
    await this.loop;
    const session = this.session;
    if (session !== undefined) {
      this.reportLost(true);
      this.session = undefined;
      session.close();
      log.info({ mode: this.mode, ...this.stats() }, 'capture stopped');
    }
    this.errorLog.stop();
  }
}

/** The end of the slice of at most DELIVERY_SLICE_RECORDS whole records from `start` (or `bytes`). */
function sliceEnd(buffer: Buffer, start: number, bytes: number): number {
  let at = start;
  for (let n = 0; n < DELIVERY_SLICE_RECORDS && at < bytes; n++) {
    const size = bytes - at >= RECORD_BYTES ? buffer.readUInt16LE(at + OFFSET_SIZE) : 0;
    // A size that cannot be right: the handler gets the rest and counts it malformed.
    if (size < RECORD_BYTES || at + size > bytes) return bytes;
    at += size;
  }
  return at;
}

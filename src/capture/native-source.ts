import { moduleLogger } from '../log.js';
import { ThrottledLogger } from '../log-throttle.js';
import { NativeSession, removeStaleAttachments, type L7CaptureStats, type SessionConfig, type SessionStats } from '../native/binding.js';
import { KIND_LINK, KIND_LOST, LOST_STAGES, MAX_RECORD_BYTES, OFFSET_AUX, OFFSET_KIND, OFFSET_PACKETS, OFFSET_SIZE, RECORD_ALIGNMENT_BYTES, RECORD_BYTES } from '../native/records.js';
import { InterfaceWatcher } from './interface-watcher.js';
import type { CaptureMode } from './mode.js';
import type { CaptureHandlers, CaptureSource, CaptureStats, CapturedInterface } from './source.js';

// One native capture session (tracer: eBPF; base: AF_PACKET) behind the CaptureSource
// lifecycle. The session's own thread drains the kernel side into a native queue; this
// takes whole records from it on timers, never with a blocking call: again at once (after
// pending I/O) when the buffer came back full, after a short pause otherwise. Loss records
// in the stream become onLost calls at their place; link records (an interface appeared or
// vanished) make the interface watcher look again at once. Nothing thrown inside the loop escapes
// it: failures are counted, logged (rate-limited) and followed by a pause.

const log = moduleLogger('native-source');

const DEFAULT_BUFFER_BYTES = 256 << 10;
const TAKE_INTERVAL_MS = 5;
const TAKE_ERROR_PAUSE_MS = 200;
const ERROR_LOG_INTERVAL_MS = 10_000;

export interface NativeSourceOptions {
  session: SessionConfig;
  /** capture.interfaces: names or glob patterns; empty: every non-loopback interface. */
  interfaces: readonly string[];
  handlers: CaptureHandlers;
  /** Bytes taken from the native queue at a time (at most one batch to the handlers). */
  bufferBytes?: number;
  scanIntervalMs?: number;
}

type NativeStats = SessionStats & L7CaptureStats;

const NO_NATIVE_STATS: NativeStats = { records: 0, produced: 0, lost: 0, lostQueue: 0, malformed: 0, packets: 0, skipped: 0, attached: 0, flowEvictions: 0, payloadLimited: 0, tlsFiles: 0, tlsUnmatched: 0 };

export class NativeSource implements CaptureSource {
  readonly mode: CaptureMode;
  private readonly buffer: Buffer;
  private readonly watcher: InterfaceWatcher;
  private session: NativeSession | undefined;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private stopping: Promise<void> | undefined;
  private lastNativeStats: NativeStats = NO_NATIVE_STATS;
  private recordsDelivered = 0;
  private malformedBytes = 0;
  private errorCount = 0;
  private lastPollAtMs = 0;
  private readonly errorLog = new ThrottledLogger(log, ERROR_LOG_INTERVAL_MS);

  constructor(private readonly options: NativeSourceOptions) {
    this.mode = options.session.mode;
    this.buffer = Buffer.alloc(Math.max(options.bufferBytes ?? DEFAULT_BUFFER_BYTES, MAX_RECORD_BYTES));
    this.watcher = new InterfaceWatcher({
      patterns: options.interfaces,
      scanIntervalMs: options.scanIntervalMs,
      target: { attach: (iface) => this.attach(iface), detach: (iface) => this.detach(iface) },
    });
  }

  /** Opens the session (throws a FlowlensError when the kernel refuses), starts taking, attaches. */
  async start(): Promise<void> {
    if (this.session !== undefined || this.stopping !== undefined) return;
    this.session = NativeSession.open(this.options.session);
    this.schedule(TAKE_INTERVAL_MS);
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
      recordsDecoded: this.recordsDelivered,
      malformedBytes: this.malformedBytes,
      malformedPackets: native.malformed,
      lost: native.lost + native.lostQueue,
      packets: native.packets,
      skippedPackets: native.skipped,
      attachedInterfaces: this.watcher.attached().length,
      errors: this.errorCount + this.watcher.errors,
      lastPollAtMs: this.lastPollAtMs,
      payloadLimited: native.payloadLimited,
      tlsFilesProbed: native.tlsFiles,
      tlsUnmatched: native.tlsUnmatched,
      flowEvictions: native.flowEvictions,
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

  private schedule(delayMs: number): void {
    if (delayMs === 0) this.immediate = setImmediate(this.takeAndSchedule);
    else this.timer = setTimeout(this.takeAndSchedule, delayMs);
  }

  private readonly takeAndSchedule = (): void => {
    this.timer = undefined;
    this.immediate = undefined;
    if (this.session === undefined || this.stopping !== undefined) return;
    const bytes = this.takeOnce(this.session);
    if (bytes < 0) this.schedule(TAKE_ERROR_PAUSE_MS);
    else this.schedule(bytes > this.buffer.length - MAX_RECORD_BYTES ? 0 : TAKE_INTERVAL_MS);
  };

  /** Takes one buffer of records and delivers it; the byte count, or -1 when the take failed. */
  private takeOnce(session: NativeSession): number {
    let bytes: number;
    try {
      bytes = session.take(this.buffer);
      this.lastPollAtMs = Date.now();
    } catch (err) {
      this.failed(err, 'taking capture records failed');
      return -1;
    }
    if (bytes > 0) this.deliver(bytes);
    return bytes;
  }

  /** Hands the records between loss records to onRecords, and each loss record to onLost, in order. */
  private deliver(length: number): void {
    const buffer = this.buffer;
    let start = 0;
    let at = 0;
    while (at < length) {
      const size = length - at >= RECORD_BYTES ? buffer.readUInt16LE(at + OFFSET_SIZE) : 0;
      // A size that cannot be right leaves no way to find the next record: the rest is skipped.
      if (size < RECORD_BYTES || size > MAX_RECORD_BYTES || size % RECORD_ALIGNMENT_BYTES !== 0 || at + size > length) {
        this.malformedBytes += length - at;
        break;
      }
      const kind = buffer[at + OFFSET_KIND];
      if (kind === KIND_LOST || kind === KIND_LINK) {
        this.handRecords(start, at);
        if (kind === KIND_LOST) this.handLost(at);
        else this.watcher.rescan();
        start = at + size;
      } else {
        this.recordsDelivered++;
      }
      at += size;
    }
    this.handRecords(start, at);
  }

  private handRecords(start: number, end: number): void {
    if (end <= start) return;
    try {
      this.options.handlers.onRecords(start === 0 ? this.buffer : this.buffer.subarray(start), end - start);
    } catch (err) {
      this.failed(err, 'capture record handler failed');
    }
  }

  private handLost(at: number): void {
    const stage = LOST_STAGES[this.buffer.readUInt32LE(at + OFFSET_AUX)];
    const count = Number(this.buffer.readBigUInt64LE(at + OFFSET_PACKETS));
    if (stage === undefined) {
      this.malformedBytes += RECORD_BYTES;
      return;
    }
    try {
      this.options.handlers.onLost(count, stage);
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

  /** Detaches, stops the capture thread after its last drain, delivers what it queued, closes. */
  private async shutdown(): Promise<void> {
    await this.watcher.stop();
    clearTimeout(this.timer);
    clearImmediate(this.immediate);
    const session = this.session;
    if (session !== undefined) {
      try {
        session.stop();
        while (this.takeOnce(session) > 0) {
          // until the queue is empty
        }
      } catch (err) {
        this.failed(err, 'stopping the capture failed');
      }
      this.nativeStats();
      this.session = undefined;
      session.close();
      log.info({ mode: this.mode, ...this.stats() }, 'capture stopped');
    }
    this.errorLog.stop();
  }
}

import type { CaptureMode } from './mode.js';

// The one lifecycle every capture backend shares (like retina's plugin registry): build it
// with its options and handlers, start() it, read its stats, stop() it. A source delivers
// decoded records in batches and reports records the kernel side could not hand over.

/**
 * What a flow needs to know about the interface a record came from. `endpoint`: the host
 * end of a pod's veth pair; `network`: anything else (uplinks, bridges, tunnels).
 */
export type InterfaceRole = 'endpoint' | 'network';

export interface CapturedInterface {
  readonly index: number;
  readonly name: string;
  readonly role: InterfaceRole;
}

export interface InterfaceLookup {
  /** The attached interface with this ifindex (in the agent's network namespace), if any. */
  lookupInterface(ifindex: number): CapturedInterface | undefined;
}

export interface CaptureHandlers {
  /**
   * Whole native records (native/record.h) in `buffer[0, length)`, in the order the kernel
   * side produced them; the buffer is reused after the call returns.
   */
  onRecords(buffer: Buffer, length: number): RecordBatchCounts;
  /** Records the kernel side lost (ring full, socket drops) since the previous report. */
  onLost(count: number): void;
}

/** What a handler made of a batch: records decoded, and bytes it had to skip as malformed. */
export interface RecordBatchCounts {
  records: number;
  malformedBytes: number;
}

/** Cumulative counters since start, for metrics and health. */
export interface CaptureStats {
  /** Records the native side handed out. */
  recordsRead: number;
  /** Records decoded and delivered to the handlers. */
  recordsDecoded: number;
  /** Bytes of record data that could not be decoded (skipped). */
  malformedBytes: number;
  /** Packets the capture saw but could not parse (too short, inconsistent). */
  malformedPackets: number;
  /** Records lost before they reached user space. */
  lost: number;
  /** Packets the capture saw. */
  packets: number;
  /** Packets on excluded ports, never turned into records. */
  skippedPackets: number;
  attachedInterfaces: number;
  /** Failed polls, attaches and record handlers (each also logged, rate-limited). */
  errors: number;
  /** Wall-clock ms of the last completed poll; 0 before the first. */
  lastPollAtMs: number;
  /** Packets on payload ports past the payload rate limit (aggregated without their payload). */
  payloadLimited: number;
  /** Files carrying OpenSSL that got TLS plaintext uprobes. */
  tlsFilesProbed: number;
  /** TLS plaintext that could not be tied to a connection. */
  tlsUnmatched: number;
}

export interface CaptureSource extends InterfaceLookup {
  readonly mode: CaptureMode;
  start(): Promise<void>;
  /** Releases every attachment, socket and program; safe to call more than once. */
  stop(): Promise<void>;
  attachedInterfaces(): readonly CapturedInterface[];
  stats(): CaptureStats;
}

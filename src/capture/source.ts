import type { LostStage } from '../native/records.js';
import type { CaptureMode } from './mode.js';

// The one lifecycle every capture backend shares (like retina's plugin registry): build it
// with its options and handlers, start() it, read its stats, stop() it. A source delivers
// records as raw bytes in batches and reports, in order, records lost on the way.

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
   * A batch of records in the order the native side produced them: buffer[0, length) holds
   * whole struct fl_record (src/native/records.ts), valid only during the call.
   */
  onRecords(buffer: Buffer, length: number): void;
  /** `count` records lost at `stage`, between the batches before and after this call. */
  onLost(count: number, stage: LostStage): void;
}

/** Cumulative counters since start, for metrics and health. */
export interface CaptureStats {
  /** Records the native side handed out. */
  recordsRead: number;
  /** Records delivered to the handlers. */
  recordsDecoded: number;
  /** Bytes of record data whose size could not be right (skipped). */
  malformedBytes: number;
  /** Packets the capture saw but could not parse (too short, inconsistent). */
  malformedPackets: number;
  /** Records lost on the way, at every stage (capture ring and native queue). */
  lost: number;
  /** Packets the capture saw. */
  packets: number;
  /** Packets on excluded ports, never turned into records. */
  skippedPackets: number;
  attachedInterfaces: number;
  /** Failed takes, attaches and record handlers (each also logged, rate-limited). */
  errors: number;
  /** Wall-clock ms of the last take from the native queue; 0 before the first. */
  lastPollAtMs: number;
  /** Packets on payload ports past the payload rate limit (aggregated without their payload). */
  payloadLimited: number;
  /** Files carrying OpenSSL that got TLS plaintext uprobes. */
  tlsFilesProbed: number;
  /** TLS plaintext that could not be tied to a connection. */
  tlsUnmatched: number;
  /** Flow-table entries (kernel LRU or base mode's table) taken from one connection for another. */
  flowEvictions: number;
}

export interface CaptureSource extends InterfaceLookup {
  readonly mode: CaptureMode;
  start(): Promise<void>;
  /** Releases every attachment, socket and program; safe to call more than once. */
  stop(): Promise<void>;
  attachedInterfaces(): readonly CapturedInterface[];
  stats(): CaptureStats;
}

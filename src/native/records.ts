// Decodes the fixed-layout records of native/record.h (mirrored here; keep them in step).
import { FlowlensError } from '../errors.js';
import { formatIPv4, formatIPv6 } from '../ip-text.js';

export type RecordKind = 'flow' | 'drop' | 'payload' | 'tls';
export type EmitReason = 'new' | 'flags' | 'report' | 'packet' | 'none';

export interface NativeRecord {
  kind: RecordKind;
  reason: EmitReason;
  ifindex: number;
  /** Wall clock, ns since the epoch. */
  timeNs: bigint;
  packets: number;
  bytes: number;
  family: 4 | 6;
  /** IP text (IPv6 compressed). */
  source: string;
  destination: string;
  sourcePort: number;
  destinationPort: number;
  /** IPPROTO_* */
  protocol: number;
  direction: 'ingress' | 'egress';
  tcpFlags: number;
  icmpType: number;
  icmpCode: number;
  /** Drops: the kernel's enum skb_drop_reason value. */
  dropReason: number;
  pid: number;
  /**
   * Sock: old state << 8 | new state; drop: network namespace inode; payload: the packet's
   * identity, the same at every observation point (TCP sequence number; UDP: IPv4 id << 16 |
   * checksum); TLS: TLS_READ or TLS_WRITE.
   */
  aux: number;
  /** A copy, for payload and TLS records: the first bytes. */
  payload?: Buffer;
  /** Payload and TLS records: how long the whole payload was (packet or call), of which `payload` is the start. */
  payloadTotalBytes?: number;
}

export const TLS_READ = 1;
export const TLS_WRITE = 2;

// struct fl_record (test/native/struct-layouts-match-the-compiled-c.test.ts holds these to the compiled C)
export const RECORD_BYTES = 88;
const PAYLOAD_MAX_BYTES = 512;
export const MAX_RECORD_BYTES = RECORD_BYTES + PAYLOAD_MAX_BYTES;
export const OFFSET_SIZE = 0;
export const OFFSET_KIND = 2;
export const OFFSET_REASON = 3;
export const OFFSET_IFINDEX = 4;
export const OFFSET_TIME_NS = 8;
export const OFFSET_PACKETS = 16;
export const OFFSET_BYTES = 24;
export const OFFSET_SADDR = 32;
export const OFFSET_DADDR = 48;
export const OFFSET_SPORT = 64;
export const OFFSET_DPORT = 66;
export const OFFSET_FAMILY = 68;
export const OFFSET_PROTOCOL = 69;
export const OFFSET_DIRECTION = 70;
export const OFFSET_TCP_FLAGS = 71;
export const OFFSET_ICMP_TYPE = 72;
export const OFFSET_ICMP_CODE = 73;
export const OFFSET_PAYLOAD_LEN = 74;
export const OFFSET_DROP_REASON = 76;
export const OFFSET_PAYLOAD_TOTAL = 76;
export const OFFSET_PID = 80;
export const OFFSET_AUX = 84;
export const RECORD_ALIGNMENT_BYTES = 8;

/**
 * FL_REC_LOST: records lost at a stage, at the place in the stream where they were lost;
 * OFFSET_PACKETS holds the count, OFFSET_AUX the stage (LOST_STAGES).
 */
export const KIND_LOST = 6;
/** enum fl_lost_stage: the kernel's ring buffer (tracer), the AF_PACKET ring (base), the native queue. */
export type LostStage = 'kernel_ring' | 'packet_ring' | 'queue';
export const LOST_STAGES: Readonly<Record<number, LostStage>> = { 1: 'kernel_ring', 2: 'packet_ring', 3: 'queue' };
/** FL_REC_LINK: an interface appeared, changed or vanished (OFFSET_IFINDEX), or events were missed. */
export const KIND_LINK = 7;

// enum fl_record_kind, enum fl_direction
export const KIND_FLOW = 1;
export const KIND_DROP = 2;
export const KIND_PAYLOAD = 4;
export const KIND_TLS = 5;
export const DIRECTION_INGRESS = 1;
export const DIRECTION_EGRESS = 2;

const KINDS: Record<number, RecordKind> = { [KIND_FLOW]: 'flow', [KIND_DROP]: 'drop', [KIND_PAYLOAD]: 'payload', [KIND_TLS]: 'tls' };
const REASONS: Record<number, EmitReason> = { 0: 'none', 1: 'new', 2: 'flags', 3: 'report', 4: 'packet' };

/**
 * The record of `size` bytes at `at`, or undefined when its kind, family or direction is not
 * valid. `withPayload` false reads the fixed part only (a flow store slot holds no payload).
 */
export function decodeRecordAt(buf: Buffer, at: number, size: number, withPayload = true): NativeRecord | undefined {
  const kind = KINDS[buf[at + OFFSET_KIND]!];
  const reason = REASONS[buf[at + OFFSET_REASON]!];
  const family = buf[at + OFFSET_FAMILY];
  const direction = buf[at + OFFSET_DIRECTION];
  if (kind === undefined || reason === undefined || (family !== 4 && family !== 6)) return undefined;
  if (direction !== DIRECTION_INGRESS && direction !== DIRECTION_EGRESS) return undefined;
  const text = family === 4 ? formatIPv4 : formatIPv6;
  const record: NativeRecord = {
    kind,
    reason,
    ifindex: buf.readUInt32LE(at + OFFSET_IFINDEX),
    timeNs: buf.readBigUInt64LE(at + OFFSET_TIME_NS),
    packets: Number(buf.readBigUInt64LE(at + OFFSET_PACKETS)),
    bytes: Number(buf.readBigUInt64LE(at + OFFSET_BYTES)),
    family,
    source: text(buf, at + OFFSET_SADDR),
    destination: text(buf, at + OFFSET_DADDR),
    sourcePort: buf.readUInt16LE(at + OFFSET_SPORT),
    destinationPort: buf.readUInt16LE(at + OFFSET_DPORT),
    protocol: buf[at + OFFSET_PROTOCOL]!,
    direction: direction === DIRECTION_INGRESS ? 'ingress' : 'egress',
    tcpFlags: buf[at + OFFSET_TCP_FLAGS]!,
    icmpType: buf[at + OFFSET_ICMP_TYPE]!,
    icmpCode: buf[at + OFFSET_ICMP_CODE]!,
    dropReason: buf.readUInt32LE(at + OFFSET_DROP_REASON),
    pid: buf.readUInt32LE(at + OFFSET_PID),
    aux: buf.readUInt32LE(at + OFFSET_AUX),
  };
  if (withPayload && (kind === 'payload' || kind === 'tls')) {
    const payloadLength = buf.readUInt16LE(at + OFFSET_PAYLOAD_LEN);
    if (payloadLength > size - RECORD_BYTES) return undefined;
    record.payload = Buffer.from(buf.subarray(at + RECORD_BYTES, at + RECORD_BYTES + payloadLength));
    record.payloadTotalBytes = buf.readUInt32LE(at + OFFSET_PAYLOAD_TOTAL);
  }
  return record;
}

/** Calls onRecord for each whole record in buffer[0, length); returns how many bytes were malformed (skipped). */
export function decodeRecords(buffer: Buffer, length: number, onRecord: (record: NativeRecord) => void): number {
  if (length > buffer.length) throw new FlowlensError('FL_NATIVE_CALL', `record length ${length} exceeds the buffer (${buffer.length})`);
  let malformed = 0;
  let at = 0;
  while (at < length) {
    const size = length - at >= RECORD_BYTES ? buffer.readUInt16LE(at + OFFSET_SIZE) : 0;
    // A size that cannot be right leaves no way to find the next record: the rest is skipped.
    if (size < RECORD_BYTES || size > MAX_RECORD_BYTES || size % RECORD_ALIGNMENT_BYTES !== 0 || at + size > length) {
      return malformed + (length - at);
    }
    const kind = buffer[at + OFFSET_KIND];
    // Loss and link records are the capture's own news, not traffic.
    const record = kind === KIND_LOST || kind === KIND_LINK ? null : decodeRecordAt(buffer, at, size);
    if (record === undefined) malformed += size;
    else if (record !== null) onRecord(record);
    at += size;
  }
  return malformed;
}

// The one place that knows libflowlens.so's symbols (native/flowlens.h): loads it lazily,
// lays out the structures it takes, and turns every -errno into a FlowlensError that names
// what failed and the kernel feature behind it.
import { existsSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataType, load, open, type FFIParams, type FieldType } from 'ffi-rs';
import { FlowlensError, type ErrorCode } from '../errors.js';
import { MAX_RECORD_BYTES, RECORD_ALIGNMENT_BYTES } from './records.js';

export const CAPABILITY_NAMES = ['btf', 'bpf_prog_load', 'ringbuf', 'tc_attach', 'tcx_attach', 'tracepoint', 'uprobe', 'af_packet'] as const;
export type CapabilityName = (typeof CAPABILITY_NAMES)[number];
/** 0 when the capability works, otherwise a negative errno. */
export type CapabilityResults = Record<CapabilityName, number>;

export interface SessionConfig {
  mode: 'tracer' | 'base';
  aggregate: boolean;
  reportIntervalMs: number;
  flowTableSize: number;
  ringBytes: number;
  skipPorts: readonly number[];
  payloadPorts: readonly number[];
  captureDrops: boolean;
  /** Tracer: how TC programs attach; auto = tcx, falling back to clsact. */
  tcAttach?: 'auto' | 'tcx' | 'clsact';
  /** Tracer: OpenSSL uprobes on every binary and library that carries OpenSSL (TLS records). */
  tlsPlaintext?: boolean;
  /** Payload records per second, per CPU (tracer) or per session (base); native default when absent. */
  payloadRecordsPerSecond?: number;
  /** Bytes of the session's native queue of records (take() reads it); native default (16 MiB) when absent. */
  queueBytes?: number;
}

export interface SessionStats {
  /** Records handed out by take() (loss records not counted). */
  records: number;
  /** Records the capture thread made: queued, or lost because the queue was full. */
  produced: number;
  /** Lost by the capture ring: the kernel ring buffer (tracer) or the AF_PACKET ring (base). */
  lost: number;
  /** Lost because the native queue was full. */
  lostQueue: number;
  malformed: number;
  packets: number;
  skipped: number;
  attached: number;
  /** Flow-table entries taken from one connection for another because the table was full. */
  flowEvictions: number;
}

export interface L7CaptureStats {
  /** Payload packets over the rate limit, aggregated instead of carried. */
  payloadLimited: number;
  /** Binaries and libraries with OpenSSL uprobes attached. */
  tlsFiles: number;
  /** TLS plaintext dropped because its TCP connection was not seen. */
  tlsUnmatched: number;
}

const LIBRARY = 'flowlens';
const LIBRARY_FILE = 'libflowlens.so';

/** struct fl_session_config (native/flowlens.h): its size and each field's offset by C name. */
export const CONFIG_BYTES = 240;
export const CONFIG_OFFSETS = {
  mode: 0,
  aggregate: 4,
  report_interval_ms: 8,
  flow_table_size: 12,
  ring_bytes: 16,
  skip_port_count: 20,
  skip_ports: 24,
  payload_port_count: 152,
  payload_ports: 156,
  capture_drops: 220,
  tc_attach: 224,
  tls_plaintext: 228,
  payload_rate: 232,
  queue_bytes: 236,
} as const;
const MAX_SKIP_PORTS = 64;
const MAX_PAYLOAD_PORTS = 32;
const MODE_VALUES = { tracer: 1, base: 2 } as const;
const TC_ATTACH_VALUES = { auto: 0, tcx: 1, clsact: 2 } as const;

/** struct fl_stats (native/flowlens.h): its size and each field's offset by C name. */
export const STATS_BYTES = 88;
export const STATS_OFFSETS = {
  records: 0,
  lost: 8,
  malformed: 16,
  packets: 24,
  skipped: 32,
  attached: 40,
  tls_files: 44,
  payload_limited: 48,
  tls_unmatched: 56,
  flow_evictions: 64,
  produced: 72,
  lost_queue: 80,
} as const;

const DROP_REASON_NAMES_BYTES = 64 * 1024;
const STRUCT_LAYOUT_BYTES = 8192;

/** The library beside the sources: <repo>/native/build, from src/native or dist/src/native. */
function libraryPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [resolve(here, '../../native/build', LIBRARY_FILE), resolve(here, '../../../native/build', LIBRARY_FILE)];
  const found = candidates.find((path) => existsSync(path));
  if (found === undefined) {
    throw new FlowlensError('FL_NATIVE_LOAD', `${LIBRARY_FILE} not found (looked at ${candidates.join(', ')}); run the set-up`);
  }
  return found;
}

let opened = false;

function ensureOpen(): void {
  if (opened) return;
  const path = libraryPath();
  try {
    open({ library: LIBRARY, path });
  } catch (err) {
    throw new FlowlensError('FL_NATIVE_LOAD', `cannot load ${path}: ${(err as Error).message}`, { cause: err });
  }
  opened = true;
}

type NativeCall = FFIParams<DataType.I32, undefined, undefined>;

function call(funcName: string, paramsType: FieldType[]): NativeCall {
  return { library: LIBRARY, funcName, retType: DataType.I32, paramsType, paramsValue: [] };
}

// Parameter objects are reused: ffi-rs `load` with a reused object is much cheaper than `define`.
const CALLS = {
  probe: call('fl_probe', [DataType.U8Array]),
  open: call('fl_session_open', [DataType.U8Array]),
  attach: call('fl_session_attach', [DataType.I32, DataType.U32]),
  detach: call('fl_session_detach', [DataType.I32, DataType.U32]),
  take: call('fl_session_take', [DataType.I32, DataType.U8Array, DataType.U32]),
  stop: call('fl_session_stop', [DataType.I32]),
  stats: call('fl_session_stats', [DataType.I32, DataType.U8Array]),
  close: call('fl_session_close', [DataType.I32]),
  removeStale: call('fl_remove_stale', [DataType.U32]),
  dropReasonNames: call('fl_drop_reason_names', [DataType.U8Array, DataType.U32]),
  structLayout: call('fl_struct_layout', [DataType.U8Array, DataType.U32]),
};

function invoke(params: NativeCall, values: unknown[]): number {
  ensureOpen();
  params.paramsValue = values;
  return load(params);
}

const ERRNO_NAMES = new Map<number, string>(Object.entries(osConstants.errno).map(([name, value]) => [value, name]));

/** -1 -> 'EPERM'; unknown values -> 'errno N'. */
export function errnoName(negErrno: number): string {
  return ERRNO_NAMES.get(-negErrno) ?? `errno ${-negErrno}`;
}

/** What an errno usually means for the feature that was being used. */
function errnoHint(negErrno: number, feature: string): string {
  switch (errnoName(negErrno)) {
    case 'EPERM':
    case 'EACCES':
      return `${feature} not permitted: needs CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN (or CAP_SYS_ADMIN) in the host user namespace`;
    case 'ENOSYS':
    case 'EOPNOTSUPP':
    case 'EINVAL':
      return `${feature} not supported by this kernel or rejected by it`;
    case 'ENODEV':
    case 'ENXIO':
      return 'the interface does not exist (any more)';
    case 'ENOMEM':
      return `${feature}: out of memory (locked memory limit or map size)`;
    default:
      return feature;
  }
}

function check(result: number, code: ErrorCode, what: string, feature: string): number {
  if (result >= 0) return result;
  throw new FlowlensError(code, `${what} failed: ${errnoName(result)} (${errnoHint(result, feature)})`);
}

export function probeCapabilities(): CapabilityResults {
  const results = Buffer.alloc(4 * CAPABILITY_NAMES.length);
  check(invoke(CALLS.probe, [results]), 'FL_NATIVE_CALL', 'capability probe', 'eBPF and AF_PACKET');
  const report = {} as CapabilityResults;
  CAPABILITY_NAMES.forEach((name, slot) => {
    report[name] = results.readInt32LE(4 * slot);
  });
  return report;
}

function portList(ports: readonly number[], max: number, what: string): readonly number[] {
  const unique = [...new Set(ports)];
  if (unique.length > max) throw new FlowlensError('FL_NATIVE_CALL', `too many ${what}: ${unique.length} (at most ${max})`);
  for (const port of unique) {
    if (!Number.isInteger(port) || port < 0 || port > 0xffff) throw new FlowlensError('FL_NATIVE_CALL', `invalid ${what} entry: ${port}`);
  }
  return unique;
}

function encodeConfig(config: SessionConfig): Buffer {
  const skip = portList(config.skipPorts, MAX_SKIP_PORTS, 'skip ports');
  const payload = portList(config.payloadPorts, MAX_PAYLOAD_PORTS, 'payload ports');
  const buf = Buffer.alloc(CONFIG_BYTES);
  buf.writeUInt32LE(MODE_VALUES[config.mode], CONFIG_OFFSETS.mode);
  buf.writeUInt32LE(config.aggregate ? 1 : 0, CONFIG_OFFSETS.aggregate);
  buf.writeUInt32LE(config.reportIntervalMs, CONFIG_OFFSETS.report_interval_ms);
  buf.writeUInt32LE(config.flowTableSize, CONFIG_OFFSETS.flow_table_size);
  buf.writeUInt32LE(config.ringBytes, CONFIG_OFFSETS.ring_bytes);
  buf.writeUInt32LE(skip.length, CONFIG_OFFSETS.skip_port_count);
  skip.forEach((port, i) => buf.writeUInt16LE(port, CONFIG_OFFSETS.skip_ports + 2 * i));
  buf.writeUInt32LE(payload.length, CONFIG_OFFSETS.payload_port_count);
  payload.forEach((port, i) => buf.writeUInt16LE(port, CONFIG_OFFSETS.payload_ports + 2 * i));
  buf.writeUInt32LE(config.captureDrops ? 1 : 0, CONFIG_OFFSETS.capture_drops);
  buf.writeUInt32LE(TC_ATTACH_VALUES[config.tcAttach ?? 'auto'], CONFIG_OFFSETS.tc_attach);
  buf.writeUInt32LE(config.tlsPlaintext === true ? 1 : 0, CONFIG_OFFSETS.tls_plaintext);
  buf.writeUInt32LE(config.payloadRecordsPerSecond ?? 0, CONFIG_OFFSETS.payload_rate);
  buf.writeUInt32LE(config.queueBytes ?? 0, CONFIG_OFFSETS.queue_bytes);
  return buf;
}

function captureFeature(mode: SessionConfig['mode']): string {
  return mode === 'tracer' ? 'eBPF programs and maps' : 'AF_PACKET sockets (CAP_NET_RAW)';
}

export class NativeSession {
  readonly #id: number;
  readonly #feature: string;
  readonly #statsBuffer = Buffer.alloc(STATS_BYTES);
  #closed = false;

  private constructor(id: number, feature: string) {
    this.#id = id;
    this.#feature = feature;
  }

  static open(config: SessionConfig): NativeSession {
    const feature = captureFeature(config.mode);
    const id = check(invoke(CALLS.open, [encodeConfig(config)]), 'FL_NATIVE_CALL', `opening the ${config.mode} capture`, feature);
    return new NativeSession(id, feature);
  }

  attach(ifindex: number): void {
    this.#assertOpen();
    check(invoke(CALLS.attach, [this.#id, ifindex]), 'FL_INTERFACE', `attaching to ifindex ${ifindex}`, this.#feature);
  }

  detach(ifindex: number): void {
    this.#assertOpen();
    check(invoke(CALLS.detach, [this.#id, ifindex]), 'FL_INTERFACE', `detaching from ifindex ${ifindex}`, this.#feature);
  }

  /**
   * Copies the whole records queued by the capture thread that fit in `buffer`; returns the
   * byte count (0 when none are waiting). Never waits: call it again later.
   */
  take(buffer: Buffer): number {
    this.#assertOpen();
    if (buffer.length < MAX_RECORD_BYTES || buffer.byteOffset % RECORD_ALIGNMENT_BYTES !== 0) {
      throw new FlowlensError('FL_NATIVE_CALL', `take buffer must hold ${MAX_RECORD_BYTES}+ bytes at an 8-byte aligned offset`);
    }
    return check(invoke(CALLS.take, [this.#id, buffer, buffer.length]), 'FL_NATIVE_CALL', 'taking capture records', this.#feature);
  }

  /** Stops the capture thread after a last drain; what it queued can still be taken. */
  stop(): void {
    this.#assertOpen();
    check(invoke(CALLS.stop, [this.#id]), 'FL_NATIVE_CALL', 'stopping the capture thread', this.#feature);
  }

  stats(): SessionStats {
    const buf = this.#readStats();
    return {
      records: Number(buf.readBigUInt64LE(STATS_OFFSETS.records)),
      produced: Number(buf.readBigUInt64LE(STATS_OFFSETS.produced)),
      lost: Number(buf.readBigUInt64LE(STATS_OFFSETS.lost)),
      lostQueue: Number(buf.readBigUInt64LE(STATS_OFFSETS.lost_queue)),
      malformed: Number(buf.readBigUInt64LE(STATS_OFFSETS.malformed)),
      packets: Number(buf.readBigUInt64LE(STATS_OFFSETS.packets)),
      skipped: Number(buf.readBigUInt64LE(STATS_OFFSETS.skipped)),
      attached: buf.readUInt32LE(STATS_OFFSETS.attached),
      flowEvictions: Number(buf.readBigUInt64LE(STATS_OFFSETS.flow_evictions)),
    };
  }

  l7Stats(): L7CaptureStats {
    const buf = this.#readStats();
    return {
      payloadLimited: Number(buf.readBigUInt64LE(STATS_OFFSETS.payload_limited)),
      tlsFiles: buf.readUInt32LE(STATS_OFFSETS.tls_files),
      tlsUnmatched: Number(buf.readBigUInt64LE(STATS_OFFSETS.tls_unmatched)),
    };
  }

  #readStats(): Buffer {
    this.#assertOpen();
    const buf = this.#statsBuffer;
    check(invoke(CALLS.stats, [this.#id, buf]), 'FL_NATIVE_CALL', 'reading capture statistics', this.#feature);
    return buf;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    check(invoke(CALLS.close, [this.#id]), 'FL_NATIVE_CALL', 'closing the capture session', this.#feature);
  }

  #assertOpen(): void {
    if (this.#closed) throw new FlowlensError('FL_NATIVE_CALL', 'the capture session is closed');
  }
}

/** Removes our clsact filters left on an interface by an agent that was killed. */
export function removeStaleAttachments(ifindex: number): void {
  check(invoke(CALLS.removeStale, [ifindex]), 'FL_INTERFACE', `removing stale TC filters from ifindex ${ifindex}`, 'TC filters (CAP_NET_ADMIN)');
}

let dropReasons: ReadonlyMap<number, string> | undefined;

/** The kernel's enum skb_drop_reason, value -> name without SKB_DROP_REASON_ (from BTF; cached). */
export function dropReasonNames(): ReadonlyMap<number, string> {
  if (dropReasons !== undefined) return dropReasons;
  const buf = Buffer.alloc(DROP_REASON_NAMES_BYTES);
  const length = check(invoke(CALLS.dropReasonNames, [buf, buf.length]), 'FL_NATIVE_CALL', 'reading drop reason names', 'kernel BTF');
  const names = new Map<number, string>();
  for (const line of buf.toString('utf8', 0, length).split('\n')) {
    const space = line.indexOf(' ');
    if (space > 0) names.set(Number(line.slice(0, space)), line.slice(space + 1));
  }
  dropReasons = names;
  return names;
}

export interface FieldLayout {
  offset: number;
  size: number;
}

/**
 * The structures the binding shares with libflowlens as its compiler laid them out: structure
 * (`record`, `session_config`, `stats`) -> field name -> offset and size; `*` is the whole.
 */
export function structLayouts(): ReadonlyMap<string, ReadonlyMap<string, FieldLayout>> {
  const buf = Buffer.alloc(STRUCT_LAYOUT_BYTES);
  const length = check(invoke(CALLS.structLayout, [buf, buf.length]), 'FL_NATIVE_CALL', 'reading the structure layouts', 'libflowlens');
  const structs = new Map<string, Map<string, FieldLayout>>();
  for (const line of buf.toString('utf8', 0, length).split('\n')) {
    const [structure, name, offset, size] = line.split(' ');
    if (structure === undefined || name === undefined || structure === '') continue;
    let fields = structs.get(structure);
    if (fields === undefined) structs.set(structure, (fields = new Map()));
    fields.set(name, { offset: Number(offset), size: Number(size) });
  }
  return structs;
}

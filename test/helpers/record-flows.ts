import type { InterfaceLookup } from '../../src/capture/source.js';
import * as layout from '../../src/native/records.js';
import type { NativeRecord } from '../../src/native/records.js';
import { FlowBuilder } from '../../src/parser/flow-builder.js';
import { RecordIngest, type EndpointLookup, type NameLookup } from '../../src/parser/record-ingest.js';
import { SlotFlowEncoder } from '../../src/parser/slot-flow-encoder.js';
import type { Flow } from '../../src/proto/flow.js';
import { FlowStore } from '../../src/store/flow-store.js';

// Typed records through the agent's real ingest and store, for parser tests: each record is
// written in the native layout (with the constants src/native/records.ts reads it by), stored,
// and its flow built back from the store as a reader would get it.

const KIND_NUMBERS: Record<NativeRecord['kind'], number> = {
  flow: layout.KIND_FLOW,
  drop: layout.KIND_DROP,
  payload: layout.KIND_PAYLOAD,
  tls: layout.KIND_TLS,
};
const REASON_NUMBERS: Record<NativeRecord['reason'], number> = { none: 0, new: 1, flags: 2, report: 3, packet: 4 };

function writeAddress(buf: Buffer, at: number, family: 4 | 6, text: string): void {
  if (family === 4) {
    text.split('.').forEach((part, i) => buf.writeUInt8(Number(part), at + i));
    return;
  }
  const [head = '', tail = ''] = text.includes('::') ? text.split('::') : [text, ''];
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === '' ? [] : tail.split(':');
  const groups = [...headGroups, ...new Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  groups.forEach((group, i) => buf.writeUInt16BE(parseInt(group, 16), at + i * 2));
}

/** One record in the native layout: the fixed part, then its payload padded to 8 bytes. */
export function encodeRecord(record: NativeRecord): Buffer {
  const payload = record.payload ?? Buffer.alloc(0);
  const size = layout.RECORD_BYTES + Math.ceil(payload.length / layout.RECORD_ALIGNMENT_BYTES) * layout.RECORD_ALIGNMENT_BYTES;
  const buf = Buffer.alloc(size);
  buf.writeUInt16LE(size, layout.OFFSET_SIZE);
  buf.writeUInt8(KIND_NUMBERS[record.kind], layout.OFFSET_KIND);
  buf.writeUInt8(REASON_NUMBERS[record.reason], layout.OFFSET_REASON);
  buf.writeUInt32LE(record.ifindex, layout.OFFSET_IFINDEX);
  buf.writeBigUInt64LE(record.timeNs, layout.OFFSET_TIME_NS);
  buf.writeBigUInt64LE(BigInt(record.packets), layout.OFFSET_PACKETS);
  buf.writeBigUInt64LE(BigInt(record.bytes), layout.OFFSET_BYTES);
  writeAddress(buf, layout.OFFSET_SADDR, record.family, record.source);
  writeAddress(buf, layout.OFFSET_DADDR, record.family, record.destination);
  buf.writeUInt16LE(record.sourcePort, layout.OFFSET_SPORT);
  buf.writeUInt16LE(record.destinationPort, layout.OFFSET_DPORT);
  buf.writeUInt8(record.family, layout.OFFSET_FAMILY);
  buf.writeUInt8(record.protocol, layout.OFFSET_PROTOCOL);
  buf.writeUInt8(record.direction === 'ingress' ? layout.DIRECTION_INGRESS : layout.DIRECTION_EGRESS, layout.OFFSET_DIRECTION);
  buf.writeUInt8(record.tcpFlags, layout.OFFSET_TCP_FLAGS);
  buf.writeUInt8(record.icmpType, layout.OFFSET_ICMP_TYPE);
  buf.writeUInt8(record.icmpCode, layout.OFFSET_ICMP_CODE);
  buf.writeUInt16LE(payload.length, layout.OFFSET_PAYLOAD_LEN);
  buf.writeUInt32LE(record.kind === 'drop' ? record.dropReason : (record.payloadTotalBytes ?? 0), layout.OFFSET_DROP_REASON);
  buf.writeUInt32LE(record.pid, layout.OFFSET_PID);
  buf.writeUInt32LE(record.aux, layout.OFFSET_AUX);
  payload.copy(buf, layout.RECORD_BYTES);
  return buf;
}

export interface RecordFlowsOptions {
  nodeName: string;
  interfaces: InterfaceLookup;
  dropReasonNames: ReadonlyMap<number, string>;
  connectionTableSize?: number;
  netnsInode?: number;
  names?: NameLookup;
  endpoints?: EndpointLookup;
  capacity?: number;
}

export class RecordFlows {
  readonly store: FlowStore;
  readonly ingest: RecordIngest;

  constructor(options: RecordFlowsOptions) {
    const builder = new FlowBuilder({ nodeName: options.nodeName, dropReasonNames: options.dropReasonNames });
    const encoder = new SlotFlowEncoder({ nodeName: options.nodeName, dropReasonNames: options.dropReasonNames });
    this.store = new FlowStore({
      capacity: options.capacity ?? 4096,
      build: (slot) => builder.build(slot),
      respond: (slot) => encoder.encodeResponse(slot),
    });
    this.ingest = new RecordIngest({
      store: this.store,
      builder,
      interfaces: options.interfaces,
      ...(options.connectionTableSize === undefined ? {} : { connectionTableSize: options.connectionTableSize }),
      ...(options.netnsInode === undefined ? {} : { netnsInode: options.netnsInode }),
      ...(options.names === undefined ? {} : { names: options.names }),
      ...(options.endpoints === undefined ? {} : { endpoints: options.endpoints }),
    });
  }

  /** The L3/L4 flow the record became, read back from the store; undefined when it became none. */
  parse(record: NativeRecord): Flow | undefined {
    const before = this.store.nextSequence;
    const bytes = encodeRecord(record);
    this.ingest.ingest(bytes, bytes.length);
    if (this.store.nextSequence === before) return undefined;
    const read = this.store.read(before);
    return read.kind === 'event' && 'flow' in read.event ? read.event.flow : undefined;
  }
}

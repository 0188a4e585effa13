import type { CapturedInterface } from '../capture/source.js';
import {
  OFFSET_DADDR,
  OFFSET_DPORT,
  OFFSET_FAMILY,
  OFFSET_ICMP_CODE,
  OFFSET_ICMP_TYPE,
  OFFSET_IFINDEX,
  OFFSET_PROTOCOL,
  OFFSET_SADDR,
  OFFSET_SPORT,
  OFFSET_TCP_FLAGS,
} from '../native/records.js';
import type { Endpoint, Flow, Timestamp } from '../proto/flow.js';
import { encodeFlow, IP_VERSION, writeFlow, writeTimestamp } from '../proto/flow-encoder.js';
import { beginFlowField, endFlowField, writeNodeAndTime } from '../proto/get-flows-response.js';
import { ProtoWriter, WIRE_LENGTH_DELIMITED as LEN, WIRE_VARINT as VARINT } from '../proto/proto-writer.js';
import type { RecordSlot } from '../store/flow-store.js';
import { AddressText } from './address-text.js';
import { DropReasonMapper, type DropReasonInfo } from './drop-reason.js';
import type { FlowBuilderOptions } from './flow-builder.js';
import { slotUuid } from './flow-uuid.js';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP } from './ip-protocols.js';
import { ipVersionOf, l3l4Summary } from './l3l4.js';
import {
  dropReasonOf,
  eventSubTypeOf,
  eventTypeOf,
  isDropRecord,
  observationPointOf,
  packetDirectionOf,
  recordTimestamp,
  trafficDirectionOf,
  verdictOf,
} from './record-fields.js';

// The flow.Flow encoding of a held L3/L4 record, and the GetFlowsResponse carrying it, written
// from its bytes and slot facts: the bytes encodeFlow(new FlowBuilder(options).build(slot))
// writes, without building the Flow (test/parser/ holds the two to byte identity). A message is its fields in number order, so
// runs of fields that repeat across records are encoded once, by encodeFlow itself on a Flow
// holding only them, and appended: the endpoints and the interface (shared, immutable objects),
// the node name, the verdict, the trace or drop fields, the derived Summary. The fields that
// change with every record (time, addresses, ports, uuid) are written here, in the layout
// writeFlow gives them.

// Field numbers of protos/flow/flow.proto.
const FLOW_TIME = 1;
const FLOW_IP = 5;
const FLOW_L4 = 6;
const FLOW_SOURCE_NAMES = 13;
const FLOW_DESTINATION_NAMES = 14;
const FLOW_INTERFACE = 28;
const FLOW_UUID = 34;
const IP_SOURCE = 1;
const IP_DESTINATION = 2;
const IP_VERSION_FIELD = 3;
const L4_TCP = 1;
const L4_UDP = 2;
const L4_ICMPV4 = 3;
const L4_ICMPV6 = 4;
const PORTS_SOURCE = 1;
const PORTS_DESTINATION = 2;
const TCP_FLAGS_FIELD = 3;
const ICMP_TYPE = 1;
const ICMP_CODE = 2;
const INTERFACE_INDEX = 1;
/** TCPFlags FIN = 1 ... CWR = 8 are the record's flag bits 0 ... 7 in order. */
const TCP_FLAG_BITS = 8;

const IPV4 = IP_VERSION.IPv4!;
const IPV6 = IP_VERSION.IPv6!;

export class SlotFlowEncoder {
  private readonly w = new ProtoWriter();
  private readonly dropReasons: DropReasonMapper;
  private readonly addresses = new AddressText();
  private readonly forwardedVerdict = encodeFlow({ verdict: 'FORWARDED' });
  /** Fields 10 and 11: Type and node_name. */
  private readonly typeAndNode: Buffer;
  private readonly dropVerdicts = new Map<number, Buffer>();
  private readonly sources = new WeakMap<Endpoint, Buffer>();
  private readonly destinations = new WeakMap<Endpoint, Buffer>();
  private readonly interfaces = new WeakMap<CapturedInterface, Buffer>();
  /** Fields 16 to 26 of a forwarded flow, by traceKey(). */
  private readonly traces = new Map<number, Buffer>();
  /** Fields 16 to 26 of a drop, by dropKey(). */
  private readonly drops = new Map<number, Buffer>();
  /** The Summary field of forwarded flows, by their derived text (a bounded set). */
  private readonly summaries = new Map<string, Buffer>();

  private readonly nodeName: string;

  constructor(options: FlowBuilderOptions) {
    this.nodeName = options.nodeName;
    this.dropReasons = new DropReasonMapper(options.dropReasonNames);
    this.typeAndNode = encodeFlow({ Type: 'L3_L4', node_name: options.nodeName });
  }

  /** The GetFlowsResponse carrying that flow, with its node_name and time. */
  encodeResponse(slot: RecordSlot): Buffer {
    const w = this.w.reset();
    const time = recordTimestamp(slot.records, slot.recordAt);
    const begun = beginFlowField(w);
    this.writeFlow(w, slot, time);
    endFlowField(w, begun);
    writeNodeAndTime(w, this.nodeName, time);
    // The store holds responses slot by slot and drops them in the order they were written.
    return w.finishInPlace();
  }

  private writeFlow(w: ProtoWriter, slot: RecordSlot, time: Timestamp): void {
    const { records: buf, recordAt: at } = slot;
    const dropped = isDropRecord(buf, at);
    const reason = dropped ? dropReasonOf(buf, at, this.dropReasons) : undefined;
    writeTime(w, time);
    w.raw(reason === undefined ? this.forwardedVerdict : this.dropVerdict(buf, at, reason));
    this.writeIp(buf, at);
    this.writeLayer4(buf, at);
    if (slot.source !== undefined) w.raw(this.endpointField(this.sources, slot.source, 'source'));
    if (slot.destination !== undefined) w.raw(this.endpointField(this.destinations, slot.destination, 'destination'));
    w.raw(this.typeAndNode);
    if (slot.sourceNames !== undefined) writeNames(w, FLOW_SOURCE_NAMES, slot.sourceNames);
    if (slot.destinationNames !== undefined) writeNames(w, FLOW_DESTINATION_NAMES, slot.destinationNames);
    w.raw(reason === undefined ? this.traceFields(slot) : this.dropFields(slot, reason));
    if (slot.iface !== undefined) w.raw(this.interfaceField(slot.iface));
    else if (!dropped) writeIfindex(w, buf.readUInt32LE(at + OFFSET_IFINDEX));
    w.tag(FLOW_UUID, LEN);
    w.string(slotUuid(slot.sequence));
    if (slot.summary !== undefined) writeSummary(w, slot.summary);
    else if (reason === undefined) w.raw(this.summaryField(l3l4Summary(buf, at)));
    else writeSummary(w, `${l3l4Summary(buf, at)}, kernel drop reason ${reason.kernelName}`);
  }

  private writeIp(buf: Buffer, at: number): void {
    const { w } = this;
    const family = buf[at + OFFSET_FAMILY]!;
    w.tag(FLOW_IP, LEN);
    const begun = w.beginMessage();
    w.tag(IP_SOURCE, LEN);
    w.string(this.addresses.of(buf, at + OFFSET_SADDR, family));
    w.tag(IP_DESTINATION, LEN);
    w.string(this.addresses.of(buf, at + OFFSET_DADDR, family));
    w.tag(IP_VERSION_FIELD, VARINT);
    w.int32(ipVersionOf(buf, at) === 'IPv4' ? IPV4 : IPV6);
    w.endMessage(begun);
  }

  private writeLayer4(buf: Buffer, at: number): void {
    const { w } = this;
    const protocol = buf[at + OFFSET_PROTOCOL];
    const member =
      protocol === IPPROTO_TCP ? L4_TCP : protocol === IPPROTO_UDP ? L4_UDP : protocol === IPPROTO_ICMP ? L4_ICMPV4 : protocol === IPPROTO_ICMPV6 ? L4_ICMPV6 : 0;
    if (member === 0) return;
    w.tag(FLOW_L4, LEN);
    const l4 = w.beginMessage();
    w.tag(member, LEN);
    const body = w.beginMessage();
    if (member === L4_TCP || member === L4_UDP) {
      w.tag(PORTS_SOURCE, VARINT);
      w.uint32(buf.readUInt16LE(at + OFFSET_SPORT));
      w.tag(PORTS_DESTINATION, VARINT);
      w.uint32(buf.readUInt16LE(at + OFFSET_DPORT));
      if (member === L4_TCP) {
        const flags = buf[at + OFFSET_TCP_FLAGS]!;
        w.tag(TCP_FLAGS_FIELD, LEN);
        const flagsAt = w.beginMessage();
        for (let bit = 0; bit < TCP_FLAG_BITS; bit++) {
          if ((flags & (1 << bit)) === 0) continue;
          w.tag(bit + 1, VARINT);
          w.bool(true);
        }
        w.endMessage(flagsAt);
      }
    } else {
      w.tag(ICMP_TYPE, VARINT);
      w.uint32(buf[at + OFFSET_ICMP_TYPE]!);
      w.tag(ICMP_CODE, VARINT);
      w.uint32(buf[at + OFFSET_ICMP_CODE]!);
    }
    w.endMessage(body);
    w.endMessage(l4);
  }

  /** Fields 2 and 3: the verdict and the deprecated drop_reason. */
  private dropVerdict(buf: Buffer, at: number, reason: DropReasonInfo): Buffer {
    let field = this.dropVerdicts.get(reason.number);
    if (field === undefined) {
      field = encodeFlow({ verdict: verdictOf(buf, at), drop_reason: reason.number });
      this.dropVerdicts.set(reason.number, field);
    }
    return field;
  }

  /**
   * The Endpoint field of a flow's source or destination. The enrichment index freezes the
   * endpoints it hands out and shares them between flows: those are encoded once each.
   */
  private endpointField(cache: WeakMap<Endpoint, Buffer>, endpoint: Endpoint, side: 'source' | 'destination'): Buffer {
    let field = cache.get(endpoint);
    if (field === undefined) {
      field = encodeFlow(side === 'source' ? { source: endpoint } : { destination: endpoint });
      if (Object.isFrozen(endpoint)) cache.set(endpoint, field);
    }
    return field;
  }

  /** An attached interface's field (its object is read-only, replaced when the interface changes). */
  private interfaceField(iface: CapturedInterface): Buffer {
    let field = this.interfaces.get(iface);
    if (field === undefined) {
      field = encodeFlow({ interface: { index: iface.index, name: iface.name } });
      this.interfaces.set(iface, field);
    }
    return field;
  }

  /** reply, event_type, traffic_direction, trace_observation_point and is_reply of a forwarded flow. */
  private traceFields(slot: RecordSlot): Buffer {
    const key = traceKey(slot);
    let fields = this.traces.get(key);
    if (fields === undefined) {
      fields = encodeFlow(this.statusFields(slot));
      this.traces.set(key, fields);
    }
    return fields;
  }

  /** The same for a drop, with drop_reason_desc. */
  private dropFields(slot: RecordSlot, reason: DropReasonInfo): Buffer {
    const key = reason.number * 8 + traceKey(slot);
    let fields = this.drops.get(key);
    if (fields === undefined) {
      fields = encodeFlow({ ...this.statusFields(slot), drop_reason_desc: reason.desc });
      this.drops.set(key, fields);
    }
    return fields;
  }

  private statusFields(slot: RecordSlot): Flow {
    const { records: buf, recordAt: at, iface, isReply } = slot;
    return {
      reply: isReply,
      event_type: { type: eventTypeOf(buf, at), sub_type: eventSubTypeOf(buf, at, iface, this.dropReasons) },
      traffic_direction: trafficDirectionOf(buf, at, iface, isReply),
      trace_observation_point: observationPointOf(buf, at, iface),
      is_reply: { value: isReply },
    };
  }

  private summaryField(summary: string): Buffer {
    let field = this.summaries.get(summary);
    if (field === undefined) {
      field = encodeFlow({ Summary: summary });
      this.summaries.set(summary, field);
    }
    return field;
  }
}

/** What the trace fields derive from besides a drop's reason: the interface role, packet direction and is_reply. */
function traceKey(slot: RecordSlot): number {
  const endpoint = slot.iface?.role === 'endpoint' ? 4 : 0;
  const ingress = packetDirectionOf(slot.records, slot.recordAt) === 'ingress' ? 2 : 0;
  return endpoint + ingress + (slot.isReply ? 1 : 0);
}

function writeTime(w: ProtoWriter, time: Timestamp): void {
  w.tag(FLOW_TIME, LEN);
  const begun = w.beginMessage();
  writeTimestamp(w, time);
  w.endMessage(begun);
}

function writeNames(w: ProtoWriter, field: number, names: readonly string[]): void {
  for (const name of names) {
    w.tag(field, LEN);
    w.string(name);
  }
}

/** The interface of a forwarded flow whose ifindex is not one of ours: its index alone. */
function writeIfindex(w: ProtoWriter, ifindex: number): void {
  w.tag(FLOW_INTERFACE, LEN);
  const begun = w.beginMessage();
  w.tag(INTERFACE_INDEX, VARINT);
  w.uint32(ifindex);
  w.endMessage(begun);
}

function writeSummary(w: ProtoWriter, summary: string): void {
  writeFlow(w, { Summary: summary });
}

import type { CapturedInterface } from '../capture/source.js';
import { OFFSET_DADDR, OFFSET_FAMILY, OFFSET_IFINDEX, OFFSET_SADDR } from '../native/records.js';
import type { Flow, IP, NetworkInterface } from '../proto/flow.js';
import type { RecordSlot } from '../store/flow-store.js';
import { AddressText } from './address-text.js';
import { DropReasonMapper } from './drop-reason.js';
import { slotUuid } from './flow-uuid.js';
import { ipVersionOf, l3l4Summary, layer4Of } from './l3l4.js';
import {
  dropReasonOf,
  eventSubTypeOf,
  eventTypeOf,
  isDropRecord,
  observationPointOf,
  recordTimestamp,
  trafficDirectionOf,
  verdictOf,
} from './record-fields.js';

// Held records -> Hubble L3/L4 flows, when a reader asks. What depends on state at capture
// time (is_reply, the interface, the endpoints and names) was recorded by ingest beside the
// record; everything else is read from the record's bytes (./record-fields.ts, ./l3l4.ts).
// ./slot-flow-encoder.ts writes the protobuf encoding of the same flow without building it.

export interface FlowBuilderOptions {
  nodeName: string;
  /** Kernel skb_drop_reason value -> name without prefix (from the native binding). */
  dropReasonNames: ReadonlyMap<number, string>;
}

export class FlowBuilder {
  private readonly dropReasons: DropReasonMapper;
  private readonly addresses = new AddressText();

  constructor(private readonly options: FlowBuilderOptions) {
    this.dropReasons = new DropReasonMapper(options.dropReasonNames);
  }

  /** The flow of a held record (the store calls this for every read of an L3/L4 slot that needs one). */
  build(slot: RecordSlot): Flow {
    const { records: buf, recordAt: at } = slot;
    const flow = isDropRecord(buf, at) ? this.dropped(slot) : this.forwarded(slot);
    const l4 = layer4Of(buf, at);
    if (l4 !== undefined) flow.l4 = l4;
    if (slot.summary !== undefined) flow.Summary = slot.summary;
    if (slot.source !== undefined) flow.source = slot.source;
    if (slot.destination !== undefined) flow.destination = slot.destination;
    if (slot.sourceNames !== undefined) flow.source_names = [...slot.sourceNames];
    if (slot.destinationNames !== undefined) flow.destination_names = [...slot.destinationNames];
    return flow;
  }

  private forwarded(slot: RecordSlot): Flow {
    const { records: buf, recordAt: at, isReply, iface } = slot;
    return {
      time: recordTimestamp(buf, at),
      uuid: slotUuid(slot.sequence),
      verdict: verdictOf(buf, at),
      IP: this.ipOf(buf, at),
      Type: 'L3_L4',
      node_name: this.options.nodeName,
      reply: isReply,
      event_type: { type: eventTypeOf(buf, at), sub_type: eventSubTypeOf(buf, at, iface, this.dropReasons) },
      traffic_direction: trafficDirectionOf(buf, at, iface, isReply),
      trace_observation_point: observationPointOf(buf, at, iface),
      is_reply: { value: isReply },
      interface: networkInterfaceOf(iface, buf.readUInt32LE(at + OFFSET_IFINDEX)),
      Summary: l3l4Summary(buf, at),
    };
  }

  private dropped(slot: RecordSlot): Flow {
    const { records: buf, recordAt: at, isReply, iface } = slot;
    const reason = dropReasonOf(buf, at, this.dropReasons);
    const flow: Flow = {
      time: recordTimestamp(buf, at),
      uuid: slotUuid(slot.sequence),
      verdict: verdictOf(buf, at),
      drop_reason: reason.number,
      IP: this.ipOf(buf, at),
      Type: 'L3_L4',
      node_name: this.options.nodeName,
      reply: isReply,
      event_type: { type: eventTypeOf(buf, at), sub_type: eventSubTypeOf(buf, at, iface, this.dropReasons) },
      traffic_direction: trafficDirectionOf(buf, at, iface, isReply),
      trace_observation_point: observationPointOf(buf, at, iface),
      drop_reason_desc: reason.desc,
      is_reply: { value: isReply },
      Summary: `${l3l4Summary(buf, at)}, kernel drop reason ${reason.kernelName}`,
    };
    if (iface !== undefined) flow.interface = networkInterfaceOf(iface, buf.readUInt32LE(at + OFFSET_IFINDEX));
    return flow;
  }

  private ipOf(buf: Buffer, at: number): IP {
    const family = buf[at + OFFSET_FAMILY]!;
    return {
      source: this.addresses.of(buf, at + OFFSET_SADDR, family),
      destination: this.addresses.of(buf, at + OFFSET_DADDR, family),
      ipVersion: ipVersionOf(buf, at),
    };
  }
}

function networkInterfaceOf(iface: CapturedInterface | undefined, ifindex: number): NetworkInterface {
  return iface === undefined ? { index: ifindex } : { index: iface.index, name: iface.name };
}

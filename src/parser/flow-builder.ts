import type { CapturedInterface } from '../capture/source.js';
import { decodeRecordAt, RECORD_BYTES, type NativeRecord } from '../native/records.js';
import { MONITOR_EVENT_TYPE, type Flow, type NetworkInterface } from '../proto/flow.js';
import type { RecordSlot } from '../store/flow-store.js';
import { DropReasonMapper } from './drop-reason.js';
import { slotUuid } from './flow-uuid.js';
import { ipOf, l3l4Summary, layer4Of } from './l3l4.js';
import { observationPoint, TRACE_SUB_TYPES, trafficDirection } from './observation-point.js';

// Held records -> Hubble L3/L4 flows, when a reader asks. Flow and payload records become
// forwarded traces (event type 4), drop records become drops (event type 1). What depends on
// state at capture time (is_reply, the interface, the endpoints and names) was recorded by
// ingest beside the record; everything else is derived from the record's bytes here.

const NS_PER_SECOND = 1_000_000_000n;

export interface FlowBuilderOptions {
  nodeName: string;
  /** Kernel skb_drop_reason value -> name without prefix (from the native binding). */
  dropReasonNames: ReadonlyMap<number, string>;
}

export class FlowBuilder {
  private readonly dropReasons: DropReasonMapper;

  constructor(private readonly options: FlowBuilderOptions) {
    this.dropReasons = new DropReasonMapper(options.dropReasonNames);
  }

  /** The flow of a held record (the store calls this for every read of an L3/L4 slot). */
  build(slot: RecordSlot): Flow {
    const record = decodeRecordAt(slot.records, slot.recordAt, RECORD_BYTES, false);
    // Ingest holds only records that decode; a slot that does not is a bug, not input.
    if (record === undefined) throw new Error(`flow store slot ${slot.sequence} holds an undecodable record`);
    const flow = record.kind === 'drop' ? this.dropped(record, slot) : this.forwarded(record, slot);
    const l4 = layer4Of(record);
    if (l4 !== undefined) flow.l4 = l4;
    if (slot.summary !== undefined) flow.Summary = slot.summary;
    if (slot.source !== undefined) flow.source = slot.source;
    if (slot.destination !== undefined) flow.destination = slot.destination;
    if (slot.sourceNames !== undefined) flow.source_names = [...slot.sourceNames];
    if (slot.destinationNames !== undefined) flow.destination_names = [...slot.destinationNames];
    return flow;
  }

  private forwarded(record: NativeRecord, slot: RecordSlot): Flow {
    const { isReply, iface } = slot;
    const role = iface?.role ?? 'network';
    const point = observationPoint(role, record.direction);
    return {
      time: timestampOf(record.timeNs),
      uuid: slotUuid(slot.sequence),
      verdict: 'FORWARDED',
      IP: ipOf(record),
      Type: 'L3_L4',
      node_name: this.options.nodeName,
      reply: isReply,
      event_type: { type: MONITOR_EVENT_TYPE.TRACE, sub_type: TRACE_SUB_TYPES[point] },
      traffic_direction: trafficDirection(role, record.direction, isReply),
      trace_observation_point: point,
      is_reply: { value: isReply },
      interface: networkInterfaceOf(iface, record.ifindex),
      Summary: l3l4Summary(record),
    };
  }

  private dropped(record: NativeRecord, slot: RecordSlot): Flow {
    const { isReply, iface } = slot;
    const reason = this.dropReasons.resolve(record.dropReason);
    const flow: Flow = {
      time: timestampOf(record.timeNs),
      uuid: slotUuid(slot.sequence),
      verdict: 'DROPPED',
      drop_reason: reason.number,
      IP: ipOf(record),
      Type: 'L3_L4',
      node_name: this.options.nodeName,
      reply: isReply,
      event_type: { type: MONITOR_EVENT_TYPE.DROP, sub_type: reason.number },
      traffic_direction: trafficDirection(iface?.role ?? 'network', record.direction, isReply),
      trace_observation_point: 'UNKNOWN_POINT',
      drop_reason_desc: reason.desc,
      is_reply: { value: isReply },
      Summary: `${l3l4Summary(record)}, kernel drop reason ${reason.kernelName}`,
    };
    if (iface !== undefined) flow.interface = networkInterfaceOf(iface, record.ifindex);
    return flow;
  }
}

function timestampOf(timeNs: bigint): { seconds: number; nanos: number } {
  return { seconds: Number(timeNs / NS_PER_SECOND), nanos: Number(timeNs % NS_PER_SECOND) };
}

function networkInterfaceOf(iface: CapturedInterface | undefined, ifindex: number): NetworkInterface {
  return iface === undefined ? { index: ifindex } : { index: iface.index, name: iface.name };
}

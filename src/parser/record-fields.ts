import type { CapturedInterface } from '../capture/source.js';
import { DIRECTION_INGRESS, KIND_DROP, OFFSET_DIRECTION, OFFSET_DROP_REASON, OFFSET_KIND, OFFSET_TIME_NS } from '../native/records.js';
import { MONITOR_EVENT_TYPE, type Timestamp, type TrafficDirection, type Verdict } from '../proto/flow.js';
import type { DropReasonInfo, DropReasonMapper } from './drop-reason.js';
import { observationPoint, TRACE_SUB_TYPES, trafficDirection, type ObservationPoint, type PacketDirection } from './observation-point.js';

// What a held L3/L4 record means in its Hubble flow, read from the record's bytes at `at` and
// what ingest learned of it: the one derivation the flow builder, the slot encoder and the flow
// metrics' record view share. Flow and payload records become forwarded traces (event type 4),
// drop records drops (event type 1).

const NS_PER_SECOND = 1e9;
const TWO_POW_16 = 65_536;
const TWO_POW_32 = 4_294_967_296;

export function isDropRecord(buf: Buffer, at: number): boolean {
  return buf[at + OFFSET_KIND] === KIND_DROP;
}

export function packetDirectionOf(buf: Buffer, at: number): PacketDirection {
  return buf[at + OFFSET_DIRECTION] === DIRECTION_INGRESS ? 'ingress' : 'egress';
}

export function verdictOf(buf: Buffer, at: number): Verdict {
  return isDropRecord(buf, at) ? 'DROPPED' : 'FORWARDED';
}

export function eventTypeOf(buf: Buffer, at: number): number {
  return isDropRecord(buf, at) ? MONITOR_EVENT_TYPE.DROP : MONITOR_EVENT_TYPE.TRACE;
}

/** A drop record's kernel reason, resolved to Hubble's. */
export function dropReasonOf(buf: Buffer, at: number, dropReasons: DropReasonMapper): DropReasonInfo {
  return dropReasons.resolve(buf.readUInt32LE(at + OFFSET_DROP_REASON));
}

/** Where a forwarded packet was seen; a drop has no observation point (the kernel frees packets anywhere). */
export function observationPointOf(buf: Buffer, at: number, iface: CapturedInterface | undefined): ObservationPoint {
  if (isDropRecord(buf, at)) return 'UNKNOWN_POINT';
  return observationPoint(iface?.role ?? 'network', packetDirectionOf(buf, at));
}

/** The trace's observation point as Cilium numbers it, or a drop's reason number. */
export function eventSubTypeOf(buf: Buffer, at: number, iface: CapturedInterface | undefined, dropReasons: DropReasonMapper): number {
  if (isDropRecord(buf, at)) return dropReasonOf(buf, at, dropReasons).number;
  return TRACE_SUB_TYPES[observationPointOf(buf, at, iface)];
}

export function trafficDirectionOf(buf: Buffer, at: number, iface: CapturedInterface | undefined, isReply: boolean): TrafficDirection {
  return trafficDirection(iface?.role ?? 'network', packetDirectionOf(buf, at), isReply);
}

/**
 * The record's wall-clock time as a Timestamp. The 64-bit nanosecond count is divided by 10^9
 * in 16-bit digits, so that every step is exact in a double (no BigInt per record).
 */
export function recordTimestamp(buf: Buffer, at: number): Timestamp {
  const lo = buf.readUInt32LE(at + OFFSET_TIME_NS);
  const hi = buf.readUInt32LE(at + OFFSET_TIME_NS + 4);
  const high = Math.floor(hi / NS_PER_SECOND);
  let rest = hi - high * NS_PER_SECOND;
  let digits = rest * TWO_POW_16 + (lo >>> 16);
  const middle = Math.floor(digits / NS_PER_SECOND);
  rest = digits - middle * NS_PER_SECOND;
  digits = rest * TWO_POW_16 + (lo & 0xffff);
  const low = Math.floor(digits / NS_PER_SECOND);
  rest = digits - low * NS_PER_SECOND;
  return { seconds: high * TWO_POW_32 + middle * TWO_POW_16 + low, nanos: rest };
}

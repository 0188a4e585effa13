// GetFlowsResponse messages as protobuf bytes, handed to grpc-js as they are (the GetFlows
// response serializer passes a Buffer through). Field numbers from protos/observer/observer.proto
// (upstream cilium/cilium api/v1/observer): flow 1 and lost_events 3 (members of the
// response_types oneof), node_name 1000, time 1001; fields in number order, as protobufjs writes them.
import type { LostEvent, Timestamp } from './flow.js';
import { writeLostEvent, writeTimestamp } from './flow-encoder.js';
import { ProtoWriter, WIRE_LENGTH_DELIMITED } from './proto-writer.js';

const FIELD_FLOW = 1;
const FIELD_LOST_EVENTS = 3;
const FIELD_NODE_NAME = 1000;
const FIELD_TIME = 1001;
const FLOW_TAG = (FIELD_FLOW << 3) | WIRE_LENGTH_DELIMITED;

const scratch = new ProtoWriter();

/** Starts a response's flow field; write the flow's fields, then pass the result to endFlowField(). */
export function beginFlowField(w: ProtoWriter): number {
  w.tag(FIELD_FLOW, WIRE_LENGTH_DELIMITED);
  return w.beginMessage();
}

export function endFlowField(w: ProtoWriter, begun: number): void {
  w.endMessage(begun);
}

/** The fields after the event: the node it happened on and when. */
export function writeNodeAndTime(w: ProtoWriter, nodeName: string, time: Timestamp): void {
  w.tag(FIELD_NODE_NAME, WIRE_LENGTH_DELIMITED);
  w.string(nodeName);
  w.tag(FIELD_TIME, WIRE_LENGTH_DELIMITED);
  const at = w.beginMessage();
  writeTimestamp(w, time);
  w.endMessage(at);
}

/** A response carrying the flow whose flow.Flow encoding is `flowBytes`. */
export function flowResponseBytes(flowBytes: Uint8Array, nodeName: string, time: Timestamp): Buffer {
  const w = scratch.reset();
  w.tag(FIELD_FLOW, WIRE_LENGTH_DELIMITED);
  w.bytes(flowBytes);
  writeNodeAndTime(w, nodeName, time);
  return w.finish();
}

/** A response reporting lost events. */
export function lostEventsResponseBytes(lost: LostEvent, nodeName: string, time: Timestamp): Buffer {
  const w = scratch.reset();
  w.tag(FIELD_LOST_EVENTS, WIRE_LENGTH_DELIMITED);
  const at = w.beginMessage();
  writeLostEvent(w, lost);
  w.endMessage(at);
  writeNodeAndTime(w, nodeName, time);
  return w.finish();
}

/** The flow.Flow encoding inside a response written by flowResponseBytes (a view, not a copy). */
export function flowOfResponse(response: Buffer): Buffer {
  if (response[0] !== FLOW_TAG) throw new Error('not a GetFlowsResponse carrying a flow');
  let length = 0;
  let at = 1;
  for (let shift = 0; ; shift += 7) {
    const byte = response[at++]!;
    length += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) break;
  }
  return response.subarray(at, at + length);
}

// GetFlowsResponse messages as protobuf bytes, handed to grpc-js as they are (the GetFlows
// response serializer passes a Buffer through). Field numbers from protos/observer/observer.proto
// (upstream cilium/cilium api/v1/observer): flow 1 and lost_events 3 (members of the
// response_types oneof), node_name 1000, time 1001; fields in number order, as protobufjs writes them.
import type { LostEvent, Timestamp } from '../proto/flow.js';
import { encodeFlow, writeLostEvent, writeTimestamp } from '../proto/flow-encoder.js';
import { ProtoWriter, WIRE_LENGTH_DELIMITED } from '../proto/proto-writer.js';
import type { ReaderItem } from '../store/flow-reader.js';
import type { FlowStoreReader } from '../store/flow-store.js';
import type { FlowMask } from './field-mask.js';

const FIELD_FLOW = 1;
const FIELD_LOST_EVENTS = 3;
const FIELD_NODE_NAME = 1000;
const FIELD_TIME = 1001;

const scratch = new ProtoWriter();

function writeNodeAndTime(w: ProtoWriter, nodeName: string, time: Timestamp): void {
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

/**
 * The response for one reader item: a flow from the store's shared encoding of its slot, or,
 * under a field mask, the trimmed copy encoded for this reader alone. `nodeName` stands in for
 * a flow or report that names no node.
 */
export function getFlowsResponseBytes(item: ReaderItem, store: FlowStoreReader, mask: FlowMask | undefined, nodeName: string): Buffer {
  if ('flow' in item) {
    const { flow } = item;
    const flowBytes = mask === undefined ? store.flowBytes(item.sequence, flow) : encodeFlow(mask(flow));
    return flowResponseBytes(flowBytes, flow.node_name || nodeName, flow.time ?? {});
  }
  return lostEventsResponseBytes(item.lost_events, nodeName, item.time);
}

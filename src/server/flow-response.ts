import { encodeFlow } from '../proto/flow-encoder.js';
import { flowResponseBytes, lostEventsResponseBytes } from '../proto/get-flows-response.js';
import type { ServedItem } from '../store/flow-reader.js';
import type { FlowStoreReader } from '../store/flow-store.js';
import type { FlowMask } from './field-mask.js';

/**
 * The GetFlowsResponse bytes for one reader item. A held L3/L4 record's response is the
 * store's, written once from the record and shared by every reader; another flow's is framed
 * around the store's shared encoding of its slot, or, under a field mask, around the trimmed
 * copy encoded for this reader alone. `nodeName` stands in for a flow or report that names no
 * node (this agent's node, the name flows are built with).
 */
export function getFlowsResponseBytes(item: ServedItem, store: FlowStoreReader, mask: FlowMask | undefined, nodeName: string): Buffer {
  if ('heldRecord' in item) {
    const response = store.recordResponse(item.heldRecord);
    if (response === undefined) throw new Error(`flow store slot ${item.heldRecord} holds no record`);
    return response;
  }
  if ('flow' in item) {
    const { flow } = item;
    if (mask !== undefined) return flowResponseBytes(encodeFlow(mask(flow)), flow.node_name || nodeName, flow.time ?? {});
    // A held record's shared response names the node its flow names.
    const held = flow.node_name ? store.recordResponse(item.sequence) : undefined;
    return held ?? flowResponseBytes(store.flowBytes(item.sequence, flow), flow.node_name || nodeName, flow.time ?? {});
  }
  return lostEventsResponseBytes(item.lost_events, nodeName, item.time);
}

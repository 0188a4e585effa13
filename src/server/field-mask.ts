import type protobuf from 'protobufjs';
import { FlowlensError } from '../errors.js';
import type { Flow } from '../proto/flow.js';
import { protoRoot } from '../proto/load.js';

/** The selected paths as a tree: `true` keeps a whole field, a subtree keeps parts of it. */
type MaskTree = { [field: string]: MaskTree | true };

export type FlowMask = (flow: Flow) => Flow;

const FLOW_TYPE = protoRoot.lookupType('flow.Flow');

function badPath(path: string, reason: string): FlowlensError {
  return new FlowlensError('FL_BAD_REQUEST', `invalid field_mask path ${JSON.stringify(path)}: ${reason}`);
}

function addPath(tree: MaskTree, path: string): void {
  const segments = path.split('.');
  let type: protobuf.Type = FLOW_TYPE;
  let node = tree;
  for (const [i, segment] of segments.entries()) {
    const field = type.fields[segment];
    if (field === undefined) throw badPath(path, `${type.fullName.slice(1)} has no field ${JSON.stringify(segment)}`);
    const last = i === segments.length - 1;
    if (last) {
      node[segment] = true;
      return;
    }
    const resolved = field.resolve().resolvedType;
    if (field.repeated || field.map || resolved === null || !('fields' in resolved)) {
      throw badPath(path, `${segment} is not a single message, so it has no sub-fields to select`);
    }
    const child = node[segment];
    if (child === true) return;
    node = child ?? (node[segment] = {});
    type = resolved as protobuf.Type;
  }
}

function pick(value: Record<string, unknown>, tree: MaskTree): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, sub] of Object.entries(tree)) {
    const v = value[field];
    if (v === undefined) continue;
    out[field] = sub === true ? v : pick(v as Record<string, unknown>, sub);
  }
  return out;
}

/**
 * Compiles GetFlowsRequest.field_mask paths (`time`, `source.namespace`, `l4.TCP.destination_port`)
 * against the Flow message; the result copies only those fields. No paths: no mask.
 * An unknown path throws FlowlensError('FL_BAD_REQUEST').
 */
export function compileFieldMask(paths: readonly string[] | undefined): FlowMask | undefined {
  if (paths === undefined || paths.length === 0) return undefined;
  const tree: MaskTree = {};
  for (const path of paths) addPath(tree, path);
  return (flow) => pick(flow as Record<string, unknown>, tree) as Flow;
}

import type { FlowFilter } from '../proto/flow.js';
import type { DropReasonMapper } from '../parser/drop-reason.js';
import type { RecordSlot } from '../store/flow-store.js';
import { DIRECTION_INGRESS, KIND_DROP, OFFSET_DIRECTION, OFFSET_KIND } from '../native/records.js';
import type { PacketDirection } from '../parser/observation-point.js';

// A filter field tested on a held record's bytes and ingest facts, with the answer the same
// field's flow filter gives on the flow built from that slot.

export type SlotCheck = (slot: RecordSlot) => boolean;

/** What the flow builder adds that is not in the slot. */
export interface SlotCheckContext {
  readonly nodeName: string;
  readonly dropReasons: DropReasonMapper;
}

/** One filter kind on slots: undefined when none of its fields is set (as the flow filter kinds). */
export type SlotCheckKind = (filter: FlowFilter, context: SlotCheckContext) => SlotCheck | undefined;

/** Combines the checks that are defined with AND. */
export function allSlotChecks(checks: readonly (SlotCheck | undefined)[]): SlotCheck | undefined {
  const defined = checks.filter((check): check is SlotCheck => check !== undefined);
  if (defined.length === 0) return undefined;
  if (defined.length === 1) return defined[0];
  return (slot) => {
    for (const check of defined) if (!check(slot)) return false;
    return true;
  };
}

/** The field's values, or undefined when it is not set (absent or empty, as the flow filters read it). */
export function setValues<T>(values: readonly T[] | undefined): readonly T[] | undefined {
  return values === undefined || values.length === 0 ? undefined : values;
}

/** Drop records become DROPPED flows; flow and payload records FORWARDED ones. */
export function isDropSlot(slot: RecordSlot): boolean {
  return slot.records[slot.recordAt + OFFSET_KIND] === KIND_DROP;
}

export function packetDirection(slot: RecordSlot): PacketDirection {
  return slot.records[slot.recordAt + OFFSET_DIRECTION] === DIRECTION_INGRESS ? 'ingress' : 'egress';
}

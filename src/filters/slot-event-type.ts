import { OFFSET_DROP_REASON } from '../native/records.js';
import { observationPoint, TRACE_SUB_TYPES } from '../parser/observation-point.js';
import { MONITOR_EVENT_TYPE } from '../proto/flow.js';
import { isDropSlot, packetDirection, setValues, type SlotCheckKind } from './slot-check.js';

// Drops are DROP events with the Hubble drop reason as sub type; the rest are TRACE events
// with the observation point's sub type.
export const eventTypeSlotCheck: SlotCheckKind = (filter, { dropReasons }) => {
  const wanted = setValues(filter.event_type);
  if (wanted === undefined) return undefined;
  return (slot) => {
    let type: number;
    let subType: number;
    if (isDropSlot(slot)) {
      type = MONITOR_EVENT_TYPE.DROP;
      subType = dropReasons.resolve(slot.records.readUInt32LE(slot.recordAt + OFFSET_DROP_REASON)).number;
    } else {
      type = MONITOR_EVENT_TYPE.TRACE;
      subType = TRACE_SUB_TYPES[observationPoint(slot.iface?.role ?? 'network', packetDirection(slot))];
    }
    for (const event of wanted) {
      if ((event.type ?? 0) === type && (event.match_sub_type !== true || (event.sub_type ?? 0) === subType)) return true;
    }
    return false;
  };
};

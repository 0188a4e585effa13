import { trafficDirection } from '../parser/observation-point.js';
import { packetDirection, setValues, type SlotCheckKind } from './slot-check.js';

export const trafficDirectionSlotCheck: SlotCheckKind = (filter) => {
  const directions = setValues(filter.traffic_direction);
  if (directions === undefined) return undefined;
  const ingress = directions.includes('INGRESS');
  const egress = directions.includes('EGRESS');
  return (slot) => (trafficDirection(slot.iface?.role ?? 'network', packetDirection(slot), slot.isReply) === 'INGRESS' ? ingress : egress);
};

import { anyOf, type FilterKind } from './flow-predicate.js';

// Each set part of a NetworkInterface filter (name, index) must equal the flow's interface.
export const interfaceFilter: FilterKind = (filter) =>
  anyOf(filter.interface, (wanted, flow) => {
    const iface = flow.interface;
    if (iface === undefined) return false;
    if (wanted.name !== undefined && wanted.name !== '' && wanted.name !== iface.name) return false;
    if (wanted.index !== undefined && wanted.index !== 0 && wanted.index !== iface.index) return false;
    return true;
  });

import { BlockList, isIP } from 'node:net';
import type { Flow } from '../proto/flow.js';
import { badFilter } from './bad-request.js';
import { allOf, type FilterKind, type FlowPredicate } from './flow-predicate.js';

function familyOf(address: string): 'ipv4' | 'ipv6' | undefined {
  const version = isIP(address);
  return version === 4 ? 'ipv4' : version === 6 ? 'ipv6' : undefined;
}

// Exact addresses and CIDR ranges, compared as addresses (so `::1` matches `0:0::1`).
function ipPredicate(field: string, values: string[] | undefined, pick: (flow: Flow) => string | undefined): FlowPredicate | undefined {
  if (values === undefined || values.length === 0) return undefined;
  const list = new BlockList();
  for (const value of values) {
    const slash = value.indexOf('/');
    const address = slash === -1 ? value : value.slice(0, slash);
    const family = familyOf(address);
    if (family === undefined) throw badFilter(field, value, 'an IP address or CIDR range');
    if (slash === -1) {
      list.addAddress(address, family);
      continue;
    }
    const prefixText = value.slice(slash + 1);
    const prefix = Number(prefixText);
    const maxPrefix = family === 'ipv4' ? 32 : 128;
    if (!/^\d{1,3}$/.test(prefixText) || prefix > maxPrefix) throw badFilter(field, value, `a CIDR prefix length 0-${maxPrefix}`);
    list.addSubnet(address, prefix, family);
  }
  return (flow) => {
    const ip = pick(flow);
    if (ip === undefined || ip === '') return false;
    const family = familyOf(ip);
    return family !== undefined && list.check(ip, family);
  };
}

export const ipFilter: FilterKind = (filter) =>
  allOf([
    ipPredicate('source_ip', filter.source_ip, (flow) => flow.IP?.source),
    ipPredicate('destination_ip', filter.destination_ip, (flow) => flow.IP?.destination),
  ]);

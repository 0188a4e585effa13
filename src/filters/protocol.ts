import type { Flow } from '../proto/flow.js';
import { badFilter } from './bad-request.js';
import { anyOf, type FilterKind } from './flow-predicate.js';

// The names the hubble CLI's --protocol sends (case-insensitive), L4 and L7.
const PROTOCOL_TESTS: Record<string, (flow: Flow) => boolean> = {
  tcp: (flow) => flow.l4?.TCP !== undefined,
  udp: (flow) => flow.l4?.UDP !== undefined,
  sctp: (flow) => flow.l4?.SCTP !== undefined,
  icmp: (flow) => flow.l4?.ICMPv4 !== undefined || flow.l4?.ICMPv6 !== undefined,
  icmpv4: (flow) => flow.l4?.ICMPv4 !== undefined,
  icmpv6: (flow) => flow.l4?.ICMPv6 !== undefined,
  dns: (flow) => flow.l7?.dns !== undefined,
  http: (flow) => flow.l7?.http !== undefined,
  // Accepted for compatibility; flowlens produces no Kafka records.
  kafka: () => false,
};

export const protocolFilter: FilterKind = (filter) => {
  const tests = filter.protocol?.map((value) => {
    const test = PROTOCOL_TESTS[value.toLowerCase()];
    if (test === undefined) throw badFilter('protocol', value, `one of ${Object.keys(PROTOCOL_TESTS).join(', ')}`);
    return test;
  });
  return anyOf(tests, (test, flow) => test(flow));
};

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileFilterLists } from '../../src/filters/flow-filter.js';
import { compileSlotPrefilter } from '../../src/filters/slot-prefilter.js';
import type { NativeRecord } from '../../src/native/records.js';
import type { FlowFilter } from '../../src/proto/flow.js';
import { heldRecords as records, PORTS, V4, V6 } from '../helpers/held-records.js';
import { DROP_REASON_NAMES, heldSlots, NODE_NAME } from '../helpers/held-slots.js';

// The prefilter may only say "no" when the full predicate says no on the built flow, and for
// filters made of L3/L4 fields alone it must give the full predicate's answer.

const someOf = <T>(...values: T[]): fc.Arbitrary<T[]> => fc.array(fc.constantFrom(...values), { minLength: 1, maxLength: 3 });
const IP_RULES = [
  ...V4,
  ...V6,
  '198.18.0.0/15',
  '198.18.0.0/24',
  '198.18.0.2/31',
  '0.0.0.0/0',
  '198.18.0.1/32',
  'fd00::/8',
  'fd00::/16',
  'fd00:0::1/128',
  '::/0',
  '::ffff:198.18.0.0/112',
  '::ffff:0:0/96',
  '::c612:1',
];

const l3l4Fields = {
  source_ip: someOf(...IP_RULES),
  destination_ip: someOf(...IP_RULES),
  source_port: someOf(...PORTS.map(String)),
  destination_port: someOf(...PORTS.map(String)),
  protocol: someOf('tcp', 'UDP', 'icmp', 'icmpv4', 'icmpv6', 'sctp', 'dns', 'http', 'kafka'),
  verdict: someOf('FORWARDED', 'DROPPED', 'VERDICT_UNKNOWN', 'ERROR' as const),
  tcp_flags: fc.array(
    fc.record(
      { SYN: fc.boolean(), ACK: fc.boolean(), FIN: fc.boolean(), RST: fc.boolean(), PSH: fc.boolean(), CWR: fc.boolean(), NS: fc.boolean() },
      { requiredKeys: [] },
    ),
    { minLength: 1, maxLength: 2 },
  ),
  traffic_direction: someOf('INGRESS', 'EGRESS', 'TRAFFIC_DIRECTION_UNKNOWN' as const),
  event_type: fc.array(
    fc.record(
      { type: fc.constantFrom(0, 1, 4, 129), match_sub_type: fc.boolean(), sub_type: fc.constantFrom(0, 5, 10, 11, 133, 134, 178) },
      { requiredKeys: [] },
    ),
    { minLength: 1, maxLength: 2 },
  ),
  interface: fc.array(fc.record({ name: fc.constantFrom('', 'eth0', 'lxc-web', 'lxc-db', 'ens9'), index: fc.constantFrom(0, 2, 5, 6, 9) }, { requiredKeys: [] }), {
    minLength: 1,
    maxLength: 2,
  }),
  node_name: someOf('node-a', 'node-*', 'default/node-a', 'other/node-a', 'default/', '*', 'node-b'),
  reply: someOf(true, false),
  ip_version: someOf('IPv4', 'IPv6', 'IP_NOT_USED' as const),
  drop_reason_desc: someOf('DROP_REASON_UNKNOWN', 'SOCKET_LOOKUP_FAILED', 'POLICY_DENIED', 'INVALID_PACKET_DROPPED' as const),
};

// Decided too: L3/L4 flows carry no L7 layer.
const l7Fields = {
  dns_query: someOf('example', '.*'),
  http_status_code: someOf('404', '5+'),
  http_method: someOf('GET', ''),
  http_path: someOf('/api', '.*'),
  http_url: someOf('.*'),
  http_header: fc.array(fc.record({ key: fc.constantFrom('', 'host'), value: fc.constantFrom('', 'web') }, { requiredKeys: [] }), { minLength: 1, maxLength: 2 }),
};

const otherFields = {
  source_pod: fc.array(fc.constantFrom('default/web', 'kube-system/'), { maxLength: 2 }),
  destination_label: fc.array(fc.constantFrom('app=web', 'reserved:world'), { maxLength: 2 }),
  source_fqdn: fc.array(fc.constantFrom('web.example.com', '*.example.com'), { maxLength: 2 }),
  source_identity: fc.array(fc.constantFrom(1234, 2), { maxLength: 2 }),
  uuid: fc.array(fc.constant('9f0b2c1e-0000-4000-8000-000000000000'), { maxLength: 1 }),
};

// Filters of one to three fields: with more, a filter rarely matches anything.
function filterOf(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<FlowFilter> {
  const oneField = fc.oneof(...Object.entries(fields).map(([field, values]) => values.map((value) => ({ [field]: value }))));
  return fc.array(oneField, { minLength: 1, maxLength: 3 }).map((parts) => Object.assign({}, ...parts) as FlowFilter);
}
const l3l4Filter = fc.oneof(filterOf(l3l4Fields), filterOf({ ...l3l4Fields, ...l7Fields }));
const anyFilter = fc.oneof(filterOf({ ...l3l4Fields, ...l7Fields, ...otherFields }), fc.tuple(filterOf(l3l4Fields), filterOf(otherFields)).map(([a, b]) => ({ ...a, ...b })));

function outcomes(corpus: NativeRecord[], whitelist: FlowFilter[], blacklist: FlowFilter[]) {
  const full = compileFilterLists(whitelist, blacklist);
  const prefilter = compileSlotPrefilter(whitelist, blacklist, { nodeName: NODE_NAME, dropReasonNames: DROP_REASON_NAMES });
  return heldSlots(corpus).map(({ slot, flow }) => ({ flow, pre: prefilter(slot), full: full(flow) }));
}

describe('the slot prefilter against the filters on built flows', () => {
  it('never rejects a slot whose built flow passes the filters', () => {
    fc.assert(
      fc.property(records, fc.array(anyFilter, { maxLength: 3 }), fc.array(anyFilter, { maxLength: 3 }), (corpus, whitelist, blacklist) => {
        for (const { flow, pre, full } of outcomes(corpus, whitelist, blacklist)) {
          if (full && !pre) expect.fail(`prefilter rejected a passing flow: ${JSON.stringify(flow)}`);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('gives the filters’ answer when every filter is made of L3/L4 fields', () => {
    fc.assert(
      fc.property(records, fc.array(l3l4Filter, { maxLength: 3 }), fc.array(l3l4Filter, { maxLength: 3 }), (corpus, whitelist, blacklist) => {
        for (const { flow, pre, full } of outcomes(corpus, whitelist, blacklist)) {
          if (pre !== full) expect.fail(`prefilter ${pre}, filters ${full} on ${JSON.stringify(flow)}`);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('decides each L3/L4 field alone exactly, with both answers seen', () => {
    for (const [field, values] of Object.entries(l3l4Fields)) {
      const seen = new Set<boolean>();
      fc.assert(
        fc.property(records, values as fc.Arbitrary<unknown[]>, (corpus, value) => {
          for (const { flow, pre, full } of outcomes(corpus, [{ [field]: value }], [])) {
            if (pre !== full) expect.fail(`${field} ${JSON.stringify(value)}: prefilter ${pre}, filters ${full} on ${JSON.stringify(flow)}`);
            seen.add(full);
          }
        }),
        { numRuns: 100 },
      );
      expect([...seen].sort(), field).toEqual([false, true]);
    }
  });
});

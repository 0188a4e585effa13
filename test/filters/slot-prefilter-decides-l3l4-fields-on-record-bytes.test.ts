import { describe, expect, it } from 'vitest';
import { compileFilterLists } from '../../src/filters/flow-filter.js';
import { compileSlotPrefilter } from '../../src/filters/slot-prefilter.js';
import type { NativeRecord } from '../../src/native/records.js';
import type { FlowFilter } from '../../src/proto/flow.js';
import { DROP_REASON_NAMES, heldSlots, HOST_NETNS, NODE_NAME } from '../helpers/held-slots.js';
import { record, reverse } from '../helpers/records.js';

// Each L3/L4 field on a few records, with the answer expected of the prefilter (and of the
// filters on the built flow, which must agree).

const syn = record({ tcpFlags: 0x02, ifindex: 5, direction: 'ingress' }); // 198.18.0.1:40000 -> 198.18.0.2:80, from the pod on lxc-web
const synAck = reverse(syn, { tcpFlags: 0x12, direction: 'egress' });
// ::ffff:198.18.0.9 (the record writer takes hex groups only)
const udp6 = record({ family: 6, source: 'fd00::1', destination: '::ffff:c612:9', protocol: 17, sourcePort: 5353, destinationPort: 53, ifindex: 2 });
const ping = record({ protocol: 1, icmpType: 8, sourcePort: 0, destinationPort: 0, ifindex: 9, direction: 'egress' });
const noSocket = record({ kind: 'drop', reason: 'none', protocol: 17, destinationPort: 9, dropReason: 3, aux: HOST_NETNS, ifindex: 2 });

function decide(whitelist: FlowFilter[], blacklist: FlowFilter[], records: NativeRecord[]): boolean[] {
  const full = compileFilterLists(whitelist, blacklist);
  const prefilter = compileSlotPrefilter(whitelist, blacklist, { nodeName: NODE_NAME, dropReasonNames: DROP_REASON_NAMES });
  return heldSlots(records).map(({ slot, flow }) => {
    const answer = prefilter(slot);
    expect(answer, JSON.stringify(flow)).toBe(full(flow));
    return answer;
  });
}

const CORPUS = [syn, synAck, udp6, ping, noSocket];

describe('the slot prefilter decides L3/L4 fields on the record bytes', () => {
  it.each<[string, FlowFilter, boolean[]]>([
    //                                                       syn    synAck udp6   ping   drop
    ['destination ip', { destination_ip: ['198.18.0.2'] }, [true, false, false, true, true]],
    ['source CIDR', { source_ip: ['198.18.0.0/31'] }, [true, false, false, true, true]],
    ['IPv4 rule on an IPv4-mapped IPv6 address', { destination_ip: ['198.18.0.0/24'] }, [true, true, true, true, true]],
    ['IPv6 CIDR', { source_ip: ['fd00::/8'] }, [false, false, true, false, false]],
    ['destination port', { destination_port: ['80'] }, [true, false, false, false, false]],
    ['source port (ICMP has none)', { source_port: ['0'] }, [false, false, false, false, false]],
    ['protocol', { protocol: ['TCP'] }, [true, true, false, false, false]],
    ['protocol icmp', { protocol: ['icmp'] }, [false, false, false, true, false]],
    ['protocol dns (no L7 on an L3/L4 flow)', { protocol: ['dns'] }, [false, false, false, false, false]],
    ['verdict', { verdict: ['DROPPED'] }, [false, false, false, false, true]],
    ['tcp flags SYN', { tcp_flags: [{ SYN: true }] }, [true, true, false, false, false]],
    ['tcp flags SYN+ACK', { tcp_flags: [{ SYN: true, ACK: true }] }, [false, true, false, false, false]],
    ['tcp flags NS (never carried)', { tcp_flags: [{ NS: true }] }, [false, false, false, false, false]],
    ['reply', { reply: [true] }, [false, true, false, false, false]],
    ['traffic direction', { traffic_direction: ['EGRESS'] }, [true, true, false, true, false]],
    ['trace event from the endpoint', { event_type: [{ type: 4, match_sub_type: true, sub_type: 5 }] }, [true, false, false, false, false]],
    ['drop event with its reason', { event_type: [{ type: 1, match_sub_type: true, sub_type: 178 }] }, [false, false, false, false, true]],
    ['interface by name', { interface: [{ name: 'lxc-web' }] }, [true, true, false, false, false]],
    ['interface by an index not ours', { interface: [{ index: 9 }] }, [false, false, false, true, false]],
    ['node name glob', { node_name: ['node-*'] }, [true, true, true, true, true]],
    ['node name in another cluster', { node_name: ['other/node-a'] }, [false, false, false, false, false]],
    ['ip version', { ip_version: ['IPv6'] }, [false, false, true, false, false]],
    ['drop reason', { drop_reason_desc: ['SOCKET_LOOKUP_FAILED'] }, [false, false, false, false, true]],
    ['HTTP or DNS (no L7 on an L3/L4 flow)', { http_status_code: ['5+'] }, [false, false, false, false, false]],
    ['no drop reason on forwarded flows', { drop_reason_desc: ['DROP_REASON_UNKNOWN'] }, [true, true, true, true, false]],
  ])('%s', (_, filter, expected) => {
    expect(decide([filter], [], CORPUS)).toEqual(expected);
  });

  it('takes a typical request: --to-ip 198.18.0.2 --port 80 --protocol tcp', () => {
    expect(decide([{ destination_ip: ['198.18.0.2'], destination_port: ['80'], protocol: ['tcp'] }], [], CORPUS)).toEqual([true, false, false, false, false]);
  });

  it('excludes what an L3/L4 blacklist filter matches', () => {
    expect(decide([], [{ protocol: ['tcp'] }], CORPUS)).toEqual([false, false, true, true, true]);
  });
});

describe('fields it cannot decide on the slot', () => {
  const options = { nodeName: NODE_NAME, dropReasonNames: DROP_REASON_NAMES };

  it('narrow a whitelist filter by its L3/L4 part and leave the rest to the built flow', () => {
    const prefilter = compileSlotPrefilter([{ source_pod: ['default/web'], protocol: ['udp'] }], [], options);
    expect(heldSlots(CORPUS).map(({ slot }) => prefilter(slot))).toEqual([false, false, true, false, true]);
  });

  it('never let a blacklist filter exclude a slot', () => {
    const prefilter = compileSlotPrefilter([], [{ source_pod: ['default/web'], protocol: ['tcp'] }], options);
    expect(heldSlots(CORPUS).map(({ slot }) => prefilter(slot))).toEqual([true, true, true, true, true]);
  });

  it('count as unset when empty, as in the flow filters', () => {
    expect(decide([], [{ source_pod: [], protocol: ['tcp'] }], CORPUS)).toEqual([false, false, true, true, true]);
  });
});

describe('invalid values', () => {
  const options = { nodeName: NODE_NAME, dropReasonNames: DROP_REASON_NAMES };
  it.each<[string, FlowFilter]>([
    ['source_ip', { source_ip: ['198.18.0.300'] }],
    ['destination_ip', { destination_ip: ['198.18.0.0/33'] }],
    ['destination_port', { destination_port: ['65536'] }],
    ['protocol', { protocol: ['gre'] }],
    ['node_name', { node_name: ['a/b/c'] }],
  ])('are refused as the flow filters refuse them (%s)', (field, filter) => {
    const message = (() => {
      try {
        compileFilterLists([filter]);
      } catch (err) {
        return (err as Error).message;
      }
      return 'accepted';
    })();
    expect(message).toContain(field);
    expect(() => compileSlotPrefilter([filter], [], options)).toThrow(message);
  });
});

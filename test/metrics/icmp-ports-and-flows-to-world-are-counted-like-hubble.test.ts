import { describe, expect, it } from 'vitest';
import { AgentMetrics } from '../../src/metrics/registry.js';
import { MONITOR_EVENT_TYPE, type Flow } from '../../src/proto/flow.js';
import { sampleValue } from '../helpers/exposition.js';

const WORLD = { identity: 2, labels: ['reserved:world'] };

function flow(overrides: Partial<Flow>): Flow {
  return {
    verdict: 'FORWARDED',
    Type: 'L3_L4',
    event_type: { type: MONITOR_EVENT_TYPE.TRACE, sub_type: 0 },
    is_reply: { value: false },
    IP: { source: '198.18.0.10', destination: '198.19.0.1', ipVersion: 'IPv4' },
    ...overrides,
  };
}

async function exposition(specs: string[], flows: Flow[]): Promise<string> {
  const metrics = new AgentMetrics({ version: 'test', agentState: {}, flowMetrics: specs });
  for (const f of flows) metrics.processFlow(f);
  return metrics.registry.metrics();
}

describe('icmp, port-distribution and flows-to-world', () => {
  it('hubble_icmp_total names ICMP types and codes as Hubble does, by family', async () => {
    const text = await exposition(['icmp'], [
      flow({ l4: { ICMPv4: { type: 8, code: 0 } } }),
      flow({ l4: { ICMPv4: { type: 8, code: 0 } } }),
      flow({ l4: { ICMPv4: { type: 3, code: 3 } } }),
      flow({ l4: { ICMPv4: { type: 3, code: 99 } } }),
      flow({ l4: { ICMPv4: { type: 42, code: 1 } } }),
      flow({ IP: { source: 'fd00::1', destination: 'fd00::2', ipVersion: 'IPv6' }, l4: { ICMPv6: { type: 129, code: 0 } } }),
      flow({ l4: { TCP: { source_port: 1, destination_port: 2 } } }),
    ]);
    expect(sampleValue(text, 'hubble_icmp_total', { family: 'IPv4', type: 'EchoRequest' })).toBe(2);
    expect(sampleValue(text, 'hubble_icmp_total', { family: 'IPv4', type: 'DestinationUnreachable(Port)' })).toBe(1);
    expect(sampleValue(text, 'hubble_icmp_total', { family: 'IPv4', type: 'DestinationUnreachable(Code: 99)' })).toBe(1);
    expect(sampleValue(text, 'hubble_icmp_total', { family: 'IPv4', type: '42(1)' })).toBe(1);
    expect(sampleValue(text, 'hubble_icmp_total', { family: 'IPv6', type: 'EchoReply' })).toBe(1);
  });

  it('hubble_port_distribution_total counts forwarded flows known not to be replies, by destination port', async () => {
    const text = await exposition(['port-distribution'], [
      flow({ l4: { TCP: { source_port: 40000, destination_port: 443 } } }),
      flow({ l4: { UDP: { source_port: 40000, destination_port: 53 } } }),
      flow({ l4: { ICMPv4: { type: 8, code: 0 } } }),
      flow({ is_reply: { value: true }, l4: { TCP: { source_port: 443, destination_port: 40000 } } }),
      flow({ is_reply: undefined, l4: { TCP: { source_port: 443, destination_port: 40001 } } }),
      flow({ verdict: 'DROPPED', l4: { TCP: { source_port: 40000, destination_port: 22 } } }),
    ]);
    expect(sampleValue(text, 'hubble_port_distribution_total', { protocol: 'TCP', port: '443' })).toBe(1);
    expect(sampleValue(text, 'hubble_port_distribution_total', { protocol: 'UDP', port: '53' })).toBe(1);
    expect(sampleValue(text, 'hubble_port_distribution_total', { protocol: 'ICMPv4', port: '0' })).toBe(1);
    expect(text).not.toMatch(/port="(40000|40001|22)"/);
  });

  it('hubble_flows_to_world_total counts flows to reserved:world that are not replies, policy drops only unless any-drop', async () => {
    const syn = { TCP: { source_port: 40000, destination_port: 443, flags: { SYN: true } } };
    const ack = { TCP: { source_port: 40000, destination_port: 443, flags: { ACK: true } } };
    const flows = [
      flow({ destination: WORLD, l4: syn }),
      flow({ destination: WORLD, l4: ack }),
      flow({ destination: WORLD, l4: ack, is_reply: { value: true } }),
      flow({ destination: WORLD, l4: syn, verdict: 'DROPPED', drop_reason_desc: 'POLICY_DENIED' }),
      flow({ destination: WORLD, l4: syn, verdict: 'DROPPED', drop_reason_desc: 'SOCKET_LOOKUP_FAILED' }),
      flow({ destination: { labels: ['k8s:app=db'] }, l4: syn }),
    ];
    const plain = await exposition(['flows-to-world'], flows);
    expect(sampleValue(plain, 'hubble_flows_to_world_total', { protocol: 'TCP', verdict: 'FORWARDED' })).toBe(2);
    expect(sampleValue(plain, 'hubble_flows_to_world_total', { protocol: 'TCP', verdict: 'DROPPED' })).toBe(1);
    const options = await exposition(['flows-to-world:any-drop;port;syn-only'], flows);
    expect(sampleValue(options, 'hubble_flows_to_world_total', { protocol: 'TCP', verdict: 'FORWARDED', port: '443' })).toBe(1);
    expect(sampleValue(options, 'hubble_flows_to_world_total', { protocol: 'TCP', verdict: 'DROPPED', port: '443' })).toBe(2);
  });

  it('dns takes query and ignoreAAAA', async () => {
    const dns = (query: string, qtype: string): Flow => ({
      verdict: 'FORWARDED', Type: 'L7', event_type: { type: MONITOR_EVENT_TYPE.L7 }, is_reply: { value: false },
      l7: { type: 'REQUEST', dns: { query, qtypes: [qtype] } },
    });
    const text = await exposition(['dns:query;ignoreAAAA'], [dns('a.example.', 'A'), dns('a.example.', 'AAAA')]);
    expect(sampleValue(text, 'hubble_dns_queries_total', { rcode: '', qtypes: 'A', ips_returned: '0', query: 'a.example.' })).toBe(1);
    expect(text).not.toContain('qtypes="AAAA"');
  });
});

import { describe, expect, it } from 'vitest';
import { TCP_FLAG, type MeteredFlow } from '../../src/metrics/metered-flow.js';
import { AgentMetrics } from '../../src/metrics/registry.js';
import { MONITOR_EVENT_TYPE, type Endpoint, type Flow } from '../../src/proto/flow.js';
import { parseExposition } from '../helpers/exposition.js';

const SPECS = ['dns', 'drop:sourceContext=pod', 'tcp', 'flow:sourceContext=workload-name|ip;destinationContext=ip', 'port-distribution', 'icmp', 'flows-to-world:port', 'httpV2:labelsContext=source_ip,destination_ip,traffic_direction'];
const pod: Endpoint = { namespace: 'shop', pod_name: 'web-1', labels: ['k8s:app=web'], workloads: [{ name: 'web', kind: 'Deployment' }] };
const world: Endpoint = { labels: ['reserved:world'] };

// What an ingest path that never builds a Flow hands over: plain fields and lazy text.
function view(fields: Partial<MeteredFlow>): MeteredFlow {
  return {
    type: 'L3_L4', verdict: 'FORWARDED', eventType: MONITOR_EVENT_TYPE.TRACE, eventSubType: 0, ipVersion: 'IPv4',
    l4Protocol: 'TCP', sourcePort: 40000, destinationPort: 443, tcpFlags: TCP_FLAG.SYN, icmpType: 0, icmpCode: 0,
    isReply: false, trafficDirection: 'EGRESS', dropReasonDesc: 'DROP_REASON_UNKNOWN', source: pod, destination: world,
    dropReasonName: () => 'NO_SOCKET', sourceIp: () => '198.18.0.10', destinationIp: () => '198.19.0.1',
    sourceNames: () => [], destinationNames: () => ['example.com'], l7: () => undefined, traceId: () => '',
    ...fields,
  };
}

const FLOW_BASE: Flow = {
  Type: 'L3_L4', verdict: 'FORWARDED', event_type: { type: MONITOR_EVENT_TYPE.TRACE, sub_type: 0 }, traffic_direction: 'EGRESS',
  is_reply: { value: false }, IP: { source: '198.18.0.10', destination: '198.19.0.1', ipVersion: 'IPv4' },
  l4: { TCP: { source_port: 40000, destination_port: 443, flags: { SYN: true } } }, source: pod, destination: world, destination_names: ['example.com'],
};

describe('flow metric handlers', () => {
  it('count a MeteredFlow made of plain fields exactly as the Flow it stands for', async () => {
    const fromViews = new AgentMetrics({ version: 'test', agentState: {}, flowMetrics: SPECS });
    const fromFlows = new AgentMetrics({ version: 'test', agentState: {}, flowMetrics: SPECS });
    const pairs: [MeteredFlow, Flow][] = [
      [view({}), FLOW_BASE],
      [view({ tcpFlags: TCP_FLAG.SYN | TCP_FLAG.ACK, isReply: true }), { ...FLOW_BASE, is_reply: { value: true }, l4: { TCP: { source_port: 40000, destination_port: 443, flags: { SYN: true, ACK: true } } } }],
      [view({ verdict: 'DROPPED', eventType: MONITOR_EVENT_TYPE.DROP, l4Protocol: 'UDP', tcpFlags: 0 }),
        { ...FLOW_BASE, verdict: 'DROPPED', event_type: { type: MONITOR_EVENT_TYPE.DROP }, l4: { UDP: { source_port: 40000, destination_port: 443 } }, Summary: 'UDP, kernel drop reason NO_SOCKET' }],
      [view({ l4Protocol: 'ICMPv4', sourcePort: 0, destinationPort: 0, tcpFlags: 0, icmpType: 8 }), { ...FLOW_BASE, l4: { ICMPv4: { type: 8, code: 0 } } }],
    ];
    for (const [metered, flow] of pairs) {
      fromViews.processMetered(metered);
      fromFlows.processFlow(flow);
    }
    const flowSamples = (text: string) => parseExposition(text).filter((s) => s.name.startsWith('hubble_') && s.value > 0);
    const expected = flowSamples(await fromFlows.registry.metrics());
    expect(expected.length).toBeGreaterThan(8);
    expect(flowSamples(await fromViews.registry.metrics())).toEqual(expected);
  });

  it('count an L3/L4 flow through processL3L4, which skips the L7-only families, as through processMetered', async () => {
    const all = new AgentMetrics({ version: 'test', agentState: {}, flowMetrics: [...SPECS.filter((spec) => !spec.startsWith('httpV2')), 'http'] });
    const l3l4 = new AgentMetrics({ version: 'test', agentState: {}, flowMetrics: [...SPECS.filter((spec) => !spec.startsWith('httpV2')), 'http'] });
    const views = [
      view({}),
      view({ tcpFlags: TCP_FLAG.SYN | TCP_FLAG.ACK, isReply: true }),
      // An L3/L4 flow to port 53 or 80 is still no DNS or HTTP message.
      view({ l4Protocol: 'UDP', destinationPort: 53, tcpFlags: 0 }),
      view({ destinationPort: 80, tcpFlags: TCP_FLAG.ACK }),
      view({ verdict: 'DROPPED', eventType: MONITOR_EVENT_TYPE.DROP, l4Protocol: 'UDP', tcpFlags: 0 }),
      view({ l4Protocol: 'ICMPv6', ipVersion: 'IPv6', sourcePort: 0, destinationPort: 0, tcpFlags: 0, icmpType: 128 }),
    ];
    for (const metered of views) {
      all.processMetered(metered);
      l3l4.processL3L4(metered);
    }
    const samples = async (metrics: AgentMetrics) => parseExposition(await metrics.registry.metrics()).filter((s) => s.name.startsWith('hubble_'));
    const expected = await samples(all);
    expect(expected.filter((s) => s.value > 0).length).toBeGreaterThan(6);
    expect(await samples(l3l4)).toEqual(expected);
  });
});

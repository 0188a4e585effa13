import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Flow, FlowFilter } from '../../src/proto/flow.js';
import type { GetFlowsRequest } from '../../src/proto/observer.js';
import { makeFlow } from '../helpers/flows.js';
import { collectGetFlows, startObserver, type ObserverHarness } from '../helpers/observer-server.js';

// Six flows, each with distinct properties; Summary names them.
const FLOWS: Flow[] = [
  makeFlow({ Summary: 'A' }),
  makeFlow({
    Summary: 'B',
    IP: { source: '198.19.0.5', destination: '198.18.0.2', ipVersion: 'IPv4' },
    l4: { UDP: { source_port: 5353, destination_port: 53 } },
    l7: { type: 'REQUEST', dns: { query: 'kube-dns.kube-system.svc.cluster.local.' } },
    Type: 'L7',
    event_type: { type: 129 },
    source: { namespace: 'kube-system', pod_name: 'coredns-abc', labels: ['k8s:k8s-app=kube-dns'] },
    node_name: 'other/node-b',
    traffic_direction: 'INGRESS',
    is_reply: { value: true },
  }),
  makeFlow({
    Summary: 'C',
    IP: { source: 'fd00::1', destination: 'fd00::2', ipVersion: 'IPv6' },
    l4: { ICMPv6: { type: 128, code: 0 } },
    verdict: 'DROPPED',
    drop_reason_desc: 'SOCKET_LOOKUP_FAILED',
    event_type: { type: 1, sub_type: 178 },
    interface: { index: 9, name: 'veth1' },
  }),
  makeFlow({
    Summary: 'D',
    IP: { source: '198.18.0.3', destination: '198.18.0.4', ipVersion: 'IPv4' },
    l4: { TCP: { source_port: 41000, destination_port: 8080, flags: { ACK: true, PSH: true } } },
    l7: {
      type: 'RESPONSE',
      http: { code: 503, method: 'GET', url: 'http://shop/api/v1/items?x=1', protocol: 'HTTP/1.1', headers: [{ key: 'Content-Type', value: 'text/html' }] },
    },
    Type: 'L7',
    event_type: { type: 129 },
    destination_names: ['shop.example.com.'],
    source: {
      namespace: 'shop',
      pod_name: 'cart-1',
      identity: 1234,
      labels: ['k8s:app=cart', 'k8s:tier=web'],
      workloads: [{ name: 'cart', kind: 'Deployment' }],
    },
  }),
  makeFlow({
    Summary: 'E',
    IP: { source: '198.18.0.9', destination: '198.18.0.10', ipVersion: 'IPv4' },
    l4: { SCTP: { source_port: 1000, destination_port: 2000 } },
    source: { namespace: 'default', pod_name: 'client-1' },
  }),
  makeFlow({
    Summary: 'F',
    IP: { source: '198.18.0.1', destination: '8.8.8.8', ipVersion: 'IPv4' },
    l4: { ICMPv4: { type: 8, code: 0 } },
    is_reply: undefined,
  }),
];

const only = (filter: FlowFilter): GetFlowsRequest => ({ whitelist: [filter] });

const CASES: [string, GetFlowsRequest, string[]][] = [
  ['source_ip exact', only({ source_ip: ['198.18.0.1'] }), ['A', 'F']],
  ['source_ip CIDR', only({ source_ip: ['198.19.0.0/16'] }), ['B']],
  ['destination_ip IPv6 in another spelling', only({ destination_ip: ['fd00:0::2'] }), ['C']],
  ['source_ip IPv6 CIDR', only({ source_ip: ['fd00::/64'] }), ['C']],
  ['source_port', only({ source_port: ['5353'] }), ['B']],
  ['destination_port, any of two', only({ destination_port: ['80', '2000'] }), ['A', 'E']],
  ['protocol tcp', only({ protocol: ['tcp'] }), ['A', 'D']],
  ['protocol TCP (case-insensitive)', only({ protocol: ['TCP'] }), ['A', 'D']],
  ['protocol udp', only({ protocol: ['udp'] }), ['B']],
  ['protocol icmp (both families)', only({ protocol: ['icmp'] }), ['C', 'F']],
  ['protocol icmpv4', only({ protocol: ['icmpv4'] }), ['F']],
  ['protocol icmpv6', only({ protocol: ['icmpv6'] }), ['C']],
  ['protocol sctp', only({ protocol: ['sctp'] }), ['E']],
  ['protocol dns', only({ protocol: ['dns'] }), ['B']],
  ['protocol http', only({ protocol: ['http'] }), ['D']],
  ['verdict', only({ verdict: ['DROPPED'] }), ['C']],
  ['tcp_flags SYN', only({ tcp_flags: [{ SYN: true }] }), ['A']],
  ['tcp_flags ACK and PSH together', only({ tcp_flags: [{ ACK: true, PSH: true }] }), ['D']],
  ['tcp_flags SYN or PSH', only({ tcp_flags: [{ SYN: true }, { PSH: true }] }), ['A', 'D']],
  ['traffic_direction', only({ traffic_direction: ['INGRESS'] }), ['B']],
  ['node_name without cluster', only({ node_name: ['node-b'] }), ['B']],
  ['node_name whole cluster', only({ node_name: ['other/'] }), ['B']],
  ['node_name wildcard', only({ node_name: ['default/node-*'] }), ['A', 'C', 'D', 'E', 'F']],
  ['ip_version', only({ ip_version: ['IPv6'] }), ['C']],
  ['event_type', only({ event_type: [{ type: 129 }] }), ['B', 'D']],
  ['event_type with sub_type', only({ event_type: [{ type: 1, match_sub_type: true, sub_type: 178 }] }), ['C']],
  ['event_type with another sub_type', only({ event_type: [{ type: 1, match_sub_type: true, sub_type: 1 }] }), []],
  ['source_pod namespace/prefix', only({ source_pod: ['kube-system/coredns-'] }), ['B']],
  ['source_pod whole namespace', only({ source_pod: ['shop/'] }), ['D']],
  ['destination_pod', only({ destination_pod: ['default/server'] }), ['A', 'B', 'C', 'D', 'E', 'F']],
  ['namespace as the CLI sends it (either side)', { whitelist: [{ source_pod: ['kube-system/'] }, { destination_pod: ['kube-system/'] }] }, ['B']],
  ['drop_reason_desc', only({ drop_reason_desc: ['SOCKET_LOOKUP_FAILED'] }), ['C']],
  ['interface by name', only({ interface: [{ name: 'veth1' }] }), ['C']],
  ['interface by index', only({ interface: [{ index: 9 }] }), ['C']],
  ['interface name and index must both match', only({ interface: [{ name: 'eth0', index: 9 }] }), []],
  ['uuid', only({ uuid: [FLOWS[3]?.uuid ?? ''] }), ['D']],
  ['source_label key=value', only({ source_label: ['app=cart'] }), ['D']],
  ['source_label with source and set', only({ source_label: ['k8s:tier in (web,db)'] }), ['D']],
  ['source_label absent key', only({ source_label: ['!app'] }), ['B', 'E']],
  ['destination_label', only({ destination_label: ['app=server'] }), ['A', 'B', 'C', 'D', 'E', 'F']],
  ['dns_query regex', only({ dns_query: ['kube.*local'] }), ['B']],
  ['http_method (case-insensitive)', only({ http_method: ['get'] }), ['D']],
  ['http_path regex', only({ http_path: ['^/api/v1/'] }), ['D']],
  ['http_status_code prefix', only({ http_status_code: ['5+'] }), ['D']],
  ['http_status_code exact', only({ http_status_code: ['503'] }), ['D']],
  ['http_status_code other class', only({ http_status_code: ['4+'] }), []],
  ['http_url regex', only({ http_url: ['shop/api'] }), ['D']],
  ['http_header', only({ http_header: [{ key: 'content-type', value: 'text/html' }] }), ['D']],
  ['destination_fqdn wildcard', only({ destination_fqdn: ['*.example.com'] }), ['D']],
  ['source_workload by kind', only({ source_workload: [{ kind: 'Deployment' }] }), ['D']],
  ['reply', only({ reply: [true] }), ['B']],
  ['source_identity', only({ source_identity: [1234] }), ['D']],
  ['fields of one filter AND together', only({ protocol: ['tcp'], destination_port: ['8080'] }), ['D']],
  ['whitelist filters OR together', { whitelist: [{ protocol: ['udp'] }, { verdict: ['DROPPED'] }] }, ['B', 'C']],
  ['blacklist filters: a flow matching any is excluded', { blacklist: [{ protocol: ['tcp'] }, { protocol: ['udp'] }] }, ['C', 'E', 'F']],
  ['whitelist minus blacklist', { whitelist: [{ ip_version: ['IPv4'] }], blacklist: [{ protocol: ['tcp'] }] }, ['B', 'E', 'F']],
  ['an empty filter matches everything', { whitelist: [{}] }, ['A', 'B', 'C', 'D', 'E', 'F']],
];

describe('GetFlows filters, each kind over gRPC', () => {
  let h: ObserverHarness;
  beforeAll(async () => {
    h = await startObserver();
    for (const flow of FLOWS) h.store.pushFlow(flow);
  });
  afterAll(async () => h.close());

  for (const [what, request, expected] of CASES) {
    it(what, async () => {
      const responses = await collectGetFlows(h.client, request);
      expect(responses.map((r) => r.flow?.Summary)).toEqual(expected);
    });
  }
});

import { describe, expect, it } from 'vitest';
import { AgentMetrics } from '../../src/metrics/registry.js';
import { MONITOR_EVENT_TYPE, type Endpoint, type Flow } from '../../src/proto/flow.js';
import { findSamples } from '../helpers/exposition.js';

const client: Endpoint = {
  identity: 4001,
  namespace: 'shop',
  pod_name: 'web-7d4b9c8f6-x2x9z',
  labels: ['k8s:app.kubernetes.io/name=storefront', 'k8s:io.kubernetes.pod.namespace=shop'],
  workloads: [{ name: 'web', kind: 'Deployment' }],
};
const server: Endpoint = {
  identity: 4002,
  namespace: 'db',
  pod_name: 'pg-0',
  labels: ['k8s:app=postgres', 'k8s:io.kubernetes.pod.namespace=db'],
  workloads: [{ name: 'pg', kind: 'StatefulSet' }],
};
const world: Endpoint = { identity: 2, labels: ['reserved:world'] };

function tcp(source: Endpoint, destination: Endpoint, direction: Flow['traffic_direction'] = 'EGRESS'): Flow {
  return {
    verdict: 'FORWARDED',
    Type: 'L3_L4',
    event_type: { type: MONITOR_EVENT_TYPE.TRACE, sub_type: 0 },
    traffic_direction: direction,
    is_reply: { value: false },
    IP: { source: '198.18.0.10', destination: '198.18.0.20', ipVersion: 'IPv4' },
    l4: { TCP: { source_port: 40000, destination_port: 5432, flags: { SYN: true } } },
    source,
    destination,
    destination_names: destination === world ? ['example.com'] : [],
  };
}

async function labelsOf(spec: string, flows: Flow[], name: string): Promise<Record<string, string>[]> {
  const metrics = new AgentMetrics({ version: 'test', agentState: {}, flowMetrics: [spec] });
  for (const flow of flows) metrics.processFlow(flow);
  return findSamples(await metrics.registry.metrics(), name).map((sample) => sample.labels);
}

describe('context options', () => {
  it('fill source and destination from the first identifier that is not empty', async () => {
    const labels = await labelsOf('flow:sourceContext=workload-name|ip;destinationContext=dns|ip', [tcp(client, server), tcp(world, world)], 'hubble_flows_processed_total');
    expect(labels.map(({ source, destination }) => ({ source, destination }))).toEqual([
      { source: 'web', destination: '198.18.0.20' },
      { source: '198.18.0.10', destination: 'example.com' },
    ]);
  });

  it('name pods, workloads, apps, namespaces, identities and reserved identities as Cilium does', async () => {
    const cases: [string, string, string][] = [
      ['pod', 'shop/web-7d4b9c8f6-x2x9z', 'db/pg-0'],
      ['pod-name', 'web-7d4b9c8f6-x2x9z', 'pg-0'],
      ['pod-short', 'shop/web', 'db/pg'],
      ['workload', 'shop/web', 'db/pg'],
      ['workload-name', 'web', 'pg'],
      ['app', 'storefront', 'postgres'],
      ['namespace', 'shop', 'db'],
      ['identity', 'k8s:app.kubernetes.io/name=storefront,k8s:io.kubernetes.pod.namespace=shop', 'k8s:app=postgres,k8s:io.kubernetes.pod.namespace=db'],
    ];
    for (const [context, source, destination] of cases) {
      const labels = await labelsOf(`tcp:sourceContext=${context};destinationContext=${context}`, [tcp(client, server)], 'hubble_tcp_flags_total');
      expect(labels, context).toEqual([{ flag: 'SYN', family: 'IPv4', source, destination }]);
    }
    const reserved = await labelsOf('tcp:destinationContext=reserved-identity', [tcp(client, { labels: ['reserved:world', 'reserved:kube-apiserver'] })], 'hubble_tcp_flags_total');
    expect(reserved[0]?.destination).toBe('reserved:kube-apiserver');
  });

  it('take the egress or ingress form over the plain one for flows of that direction', async () => {
    const labels = await labelsOf('drop:sourceContext=namespace;sourceIngressContext=pod-name', [
      { ...tcp(client, server, 'EGRESS'), verdict: 'DROPPED' },
      { ...tcp(client, server, 'INGRESS'), verdict: 'DROPPED' },
    ], 'hubble_drop_total');
    expect(labels.map((l) => l.source).sort()).toEqual(['shop', 'web-7d4b9c8f6-x2x9z']);
  });

  it('labelsContext adds each named label, empty when the flow has no value for it', async () => {
    const spec = 'port-distribution:labelsContext=source_ip,source_namespace,source_workload,source_workload_kind,source_app,destination_pod,destination_workload,traffic_direction';
    const labels = await labelsOf(spec, [tcp(client, server), tcp(world, server, 'INGRESS')], 'hubble_port_distribution_total');
    expect(labels).toContainEqual({
      protocol: 'TCP', port: '5432', source_ip: '198.18.0.10', source_namespace: 'shop', source_workload: 'web', source_workload_kind: 'Deployment',
      source_app: 'storefront', destination_pod: 'pg-0', destination_workload: 'pg', traffic_direction: 'egress',
    });
    expect(labels).toContainEqual({
      protocol: 'TCP', port: '5432', source_ip: '198.18.0.10', source_namespace: '', source_workload: '', source_workload_kind: '',
      source_app: '', destination_pod: 'pg-0', destination_workload: 'pg', traffic_direction: 'ingress',
    });
  });

  it('httpV2 labels a response from its request\'s side: the source is the client that asked', async () => {
    const response: Flow = {
      verdict: 'FORWARDED',
      Type: 'L7',
      event_type: { type: MONITOR_EVENT_TYPE.L7 },
      traffic_direction: 'EGRESS',
      is_reply: { value: true },
      IP: { source: '198.18.0.20', destination: '198.18.0.10', ipVersion: 'IPv4' },
      source: server,
      destination: client,
      l7: { type: 'RESPONSE', latency_ns: 2_000_000, http: { method: 'GET', code: 200, protocol: 'HTTP/1.1', url: 'http://pg/' } },
    };
    const spec = 'httpV2:sourceContext=workload-name;labelsContext=source_ip,source_namespace,destination_ip,destination_namespace';
    const labels = await labelsOf(spec, [response], 'hubble_http_requests_total');
    expect(labels).toEqual([{
      source_ip: '198.18.0.10', source_namespace: 'shop', destination_ip: '198.18.0.20', destination_namespace: 'db', source: 'web',
      method: 'GET', protocol: 'HTTP/1.1', status: '200', reporter: 'client',
    }]);
  });
});

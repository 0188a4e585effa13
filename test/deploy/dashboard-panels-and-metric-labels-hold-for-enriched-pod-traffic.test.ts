import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCertificates } from '../../src/certs/generate.js';
import { ping, udpToClosedPort } from '../capture/pod-traffic.js';
import { isolatedAgentFlags, startAgentProcess, type AgentProcess } from '../helpers/agent-process.js';
import { FakeKubeApi, fakeNamespace, fakePod } from '../helpers/fake-kube-api.js';
import { createPodPair, type PodPair } from '../helpers/netns.js';
import { startPrometheus, type PrometheusServer, type QuerySample } from '../helpers/prometheus.js';
import { curl, resolveA, startDnsServer, startHttpServer, type Server } from '../l7/l7-traffic.js';

// The Grafana dashboard and the Hubble metrics under real traffic between two test pods: a
// real agent enriching from the test's Kubernetes API, a real Prometheus scraping it, ping,
// a dropped datagram, DNS answers and NXDOMAIN, HTTP 200 and 404 with a trace id. Every panel
// of the dashboard must parse and return data; the metrics must carry Cilium's labels.

const DASHBOARD = new URL('../../deploy/grafana/flowlens-dashboard.json', import.meta.url);
const HTTP_PORT = 8080;
const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const WAIT_MS = 60_000;

interface Panel {
  type: string;
  title: string;
  targets?: { expr: string }[];
}

function panelQueries(): { title: string; expr: string }[] {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[] };
  return dashboard.panels.flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({
      title: panel.title,
      // What Grafana substitutes: every agent, and a rate window of a few scrapes.
      expr: target.expr.replaceAll('$instance', '.*').replaceAll('$__rate_interval', '1m'),
    })),
  );
}

const nonEmpty = (samples: QuerySample[]): boolean => samples.length > 0;
const positive = (samples: QuerySample[]): boolean => samples.some((s) => s.value > 0);

describe('the dashboard and the Hubble metrics of an agent under pod traffic', () => {
  let pair: PodPair;
  let api: FakeKubeApi;
  let dir: string;
  let servers: Server[] = [];

  beforeAll(async () => {
    pair = createPodPair();
    dir = mkdtempSync(join(tmpdir(), 'fl-dashboard-'));
    api = await FakeKubeApi.start();
    api.apply('namespaces', fakeNamespace('shop'));
    api.apply('namespaces', fakeNamespace('db'));
    api.apply('pods', fakePod({
      name: 'web-5d8f7-x2x9z', generateName: 'web-5d8f7-', namespace: 'shop', ip: pair.ipA,
      labels: { app: 'web', 'pod-template-hash': '5d8f7' }, owner: { kind: 'ReplicaSet', name: 'web-5d8f7' },
    }));
    api.apply('pods', fakePod({
      name: 'api-0', generateName: 'api-', namespace: 'db', ip: pair.ipB, labels: { app: 'api' }, owner: { kind: 'StatefulSet', name: 'api' },
    }));
    servers = [await startDnsServer(pair.nsB, { 'shop.example': '198.18.250.1' }), await startHttpServer(pair.nsB, HTTP_PORT)];
  }, 60_000);

  afterAll(async () => {
    for (const server of servers) server.stop();
    await api?.close();
    pair?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function withAgent(extra: string[], run: (agent: AgentProcess, prometheus: PrometheusServer) => Promise<void>): Promise<void> {
    const certs = generateCertificates({ outDir: mkdtempSync(join(dir, 'certs-')), nodeName: 'node-a', clusterName: 'default', ips: [], validDays: 30 });
    const agent = await startAgentProcess([
      ...isolatedAgentFlags(),
      '--interfaces', `${pair.hostIfA},${pair.hostIfB}`,
      '--kubernetes-enrich', '--kubeconfig', api.kubeconfigPath,
      '--hubble-tls-cert-file', certs.serverCert, '--hubble-tls-key-file', certs.serverKey, '--hubble-tls-client-ca-files', certs.clientCaCert,
      ...extra,
    ]);
    let prometheus: PrometheusServer | undefined;
    try {
      prometheus = await startPrometheus({ targets: [`127.0.0.1:${agent.metricsPort}`], features: ['exemplar-storage'] });
      await prometheus.waitFor('up', (samples) => samples.some((s) => s.value === 1));
      await traffic();
      await run(agent, prometheus);
    } finally {
      await prometheus?.stop();
      expect(await agent.stop()).toBe(0);
    }
  }

  async function traffic(): Promise<void> {
    await ping(pair, pair.ipB);
    await udpToClosedPort(pair, pair.ipB, 9, 40_009);
    expect(await resolveA(pair.nsA, pair.ipB, 'shop.example')).toEqual(['198.18.250.1']);
    await expect(resolveA(pair.nsA, pair.ipB, 'nowhere.example')).rejects.toThrow();
    const url = `http://${pair.ipB}:${HTTP_PORT}`;
    await curl(pair.nsA, ['-H', `traceparent: 00-${TRACE_ID}-b7ad6b7169203331-01`, `${url}/ok`]);
    await curl(pair.nsA, [`${url}/missing`]);
  }

  it('with the default list: labels from the Kubernetes API, every panel non-empty, an exemplar with the trace id, promtool content', async () => {
    await withAgent([], async (agent, prometheus) => {
      const http = `hubble_http_requests_total{method="GET",protocol="HTTP/1.1",source_ip="${pair.ipA}",source_namespace="shop",source_workload="web",destination_ip="${pair.ipB}",destination_namespace="db",destination_workload="api"}`;
      const requests = await prometheus.waitFor(http, (samples) => samples.length === 2, WAIT_MS);
      expect(requests.map((s) => s.metric.status).sort()).toEqual(['200', '404']);
      expect(requests.every((s) => ['ingress', 'egress', 'unknown'].includes(s.metric.traffic_direction!))).toBe(true);
      await prometheus.waitFor('hubble_dns_responses_total{rcode="Non-Existent Domain",qtypes="A"}', positive, WAIT_MS);
      await prometheus.waitFor('hubble_dns_responses_total{rcode="No Error",qtypes="A",ips_returned="1"}', positive, WAIT_MS);
      await prometheus.waitFor('hubble_dns_queries_total{rcode="",qtypes="A"}', positive, WAIT_MS);
      await prometheus.waitFor('hubble_icmp_total{family="IPv4",type="EchoRequest"}', positive, WAIT_MS);
      await prometheus.waitFor(`hubble_port_distribution_total{protocol="TCP",port="${HTTP_PORT}"}`, positive, WAIT_MS);
      await prometheus.waitFor('hubble_tcp_flags_total{flag="SYN",family="IPv4"}', positive, WAIT_MS);
      await prometheus.waitFor('hubble_flows_processed_total{protocol="HTTP",type="L7",subtype="HTTP",verdict="FORWARDED"}', positive, WAIT_MS);
      await prometheus.waitFor('hubble_drop_total{reason="NO_SOCKET",protocol="UDP"}', positive, WAIT_MS);

      for (const { title, expr } of panelQueries()) {
        await prometheus.waitFor(expr, nonEmpty, WAIT_MS).catch((err: Error) => {
          throw new Error(`panel "${title}": ${err.message}`);
        });
      }

      const now = Date.now() / 1000;
      const exemplars = (await (await fetch(`${prometheus.url}/api/v1/query_exemplars?query=hubble_http_requests_total&start=${now - 600}&end=${now + 60}`)).json()) as {
        data: { exemplars: { labels: Record<string, string> }[] }[];
      };
      expect(exemplars.data.flatMap((series) => series.exemplars.map((e) => e.labels.traceID))).toContain(TRACE_ID);

      const text = await (await fetch(`http://127.0.0.1:${agent.metricsPort}/metrics`)).text();
      const file = join(dir, 'metrics.txt');
      writeFileSync(file, text);
      execFileSync('sh', ['-c', `promtool check metrics < ${file}`], { encoding: 'utf8' });
    });
  }, 240_000);

  it('with sourceContext=workload-name and labelsContext: source and destination labels name the workloads', async () => {
    const list = [
      'flow:sourceContext=workload-name;destinationContext=workload-name|ip',
      'tcp:sourceContext=namespace;destinationContext=pod',
      'httpV2:sourceContext=workload-name;destinationContext=workload-name;labelsContext=source_namespace,destination_namespace',
    ].join(' ');
    await withAgent(['--hubble-metrics', list], async (_agent, prometheus) => {
      await prometheus.waitFor('hubble_flows_processed_total{protocol="ICMPv4",source="web",destination="api"}', positive, WAIT_MS);
      await prometheus.waitFor('hubble_tcp_flags_total{flag="SYN",source="shop",destination="db/api-0"}', positive, WAIT_MS);
      const http = await prometheus.waitFor('hubble_http_requests_total{source="web",destination="api",source_namespace="shop",destination_namespace="db"}', (s) => s.length === 2, WAIT_MS);
      expect(http.map((s) => s.metric.status).sort()).toEqual(['200', '404']);
      expect(await prometheus.query('hubble_dns_queries_total')).toEqual([]);
    });
  }, 240_000);
});

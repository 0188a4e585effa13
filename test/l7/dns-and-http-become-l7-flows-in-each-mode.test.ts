import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Flow } from '../../src/proto/flow.js';
import { findSamples } from '../helpers/exposition.js';
import { isolatedAgentFlags, startAgentProcess, type AgentProcess } from '../helpers/agent-process.js';
import { createPodPair, type PodPair } from '../helpers/netns.js';
import { getFlows, waitForFlows, waitForMarker } from './agent-flows.js';
import { curl, resolveA, sendJunkDatagram, startDnsServer, startHttpServer, type Server } from './l7-traffic.js';

// A real agent in each mode (tracer as root; base with eBPF really taken away by setpriv)
// captures DNS and HTTP/1.1 between two pod namespaces; the L7 flows are read back through
// a real GetFlows call with the DNS and HTTP FlowFilters.

const NAME = 'api.flowlens.test';
const HTTP_PORT = 8080;
// Both host-side veths see every packet: a second L7 flow of one packet would be in the
// store by the time a datagram sent after the exchange shows (one marker port per test).
const DNS_MARKER_PORT = 5391;
const HTTP_MARKER_PORT = 5392;

const l7 = { event_type: [{ type: 129 }] };

describe.each([
  ['tracer', 'root'],
  ['base', 'setprivNoBpf'],
] as const)('DNS and HTTP in %s mode', (mode, wrapper) => {
  let pair: PodPair;
  let agent: AgentProcess;
  const servers: Server[] = [];

  beforeAll(async () => {
    pair = createPodPair();
    try {
      servers.push(await startDnsServer(pair.nsB, { [NAME]: pair.ipB }));
      servers.push(await startHttpServer(pair.nsB, HTTP_PORT));
      agent = await startAgentProcess([...isolatedAgentFlags(), '--capture-mode', mode, '--interfaces', `${pair.hostIfA},${pair.hostIfB}`], { wrapper });
    } catch (err) {
      for (const server of servers) server.stop();
      pair.cleanup();
      throw err;
    }
  });

  afterAll(async () => {
    try {
      await agent?.stop();
    } finally {
      for (const server of servers) server.stop();
      pair?.cleanup();
    }
  });

  it('turns a real DNS query and its answer into one request and one response L7 flow, found by dns_query', async () => {
    expect(await resolveA(pair.nsA, pair.ipB, NAME)).toEqual([pair.ipB]);
    const filter = [{ ...l7, dns_query: ['api\\.flowlens\\.test'] }];
    await waitForFlows(agent.grpcPort, filter, (flows) => flows.length >= 2, 'DNS query and answer');
    await waitForMarker(agent.grpcPort, pair, DNS_MARKER_PORT);
    const flows = await getFlows(agent.grpcPort, filter);
    const queries = flows.filter((f) => f.l7?.type === 'REQUEST');
    const answers = flows.filter((f) => f.l7?.type === 'RESPONSE');
    expect(queries).toHaveLength(1);
    expect(answers).toHaveLength(1);
    expect(queries[0]).toMatchObject({
      Type: 'L7',
      verdict: 'FORWARDED',
      IP: { source: pair.ipA, destination: pair.ipB },
      l4: { UDP: { destination_port: 53 } },
      is_reply: { value: false },
      l7: { dns: { query: `${NAME}.`, qtypes: ['A'] } },
      Summary: `DNS Query ${NAME}. A`,
    });
    const clientPort = queries[0]!.l4!.UDP!.source_port;
    expect(answers[0]).toMatchObject({
      IP: { source: pair.ipB, destination: pair.ipA },
      l4: { UDP: { source_port: 53, destination_port: clientPort } },
      is_reply: { value: true },
      l7: { type: 'RESPONSE', dns: { query: `${NAME}.`, ips: [pair.ipB], ttl: 60, rcode: 0, rrtypes: ['A'] } },
    });
    expect(answers[0]!.l7!.latency_ns).toBeGreaterThan(0);
    expect(answers[0]!.source_names).toEqual([NAME]);
    expect(await getFlows(agent.grpcPort, [{ ...l7, dns_query: ['nothing\\.like\\.this'] }])).toEqual([]);
  });

  it('turns real HTTP/1.1 requests and responses into L7 flows that the HTTP filters select', async () => {
    const target = `${NAME}:${HTTP_PORT}`;
    const resolve = ['--resolve', `${target}:${pair.ipB}`];
    const posted = await curl(pair.nsA, [...resolve, '--data', 'color=blue', '--write-out', '%{http_code} %{local_port}', `http://${target}/items?color=blue`]);
    const missing = await curl(pair.nsA, [...resolve, '--write-out', '%{http_code} %{local_port}', `http://${target}/missing`]);
    expect(posted.split(' ')[0]).toBe('201');
    expect(missing.split(' ')[0]).toBe('404');
    const postPort = Number(posted.split(' ')[1]);

    const postFlows = await waitForFlows(agent.grpcPort, [{ ...l7, http_method: ['POST'] }], (flows) => flows.length >= 2, 'POST request and response');
    await waitForMarker(agent.grpcPort, pair, HTTP_MARKER_PORT);
    const posts = await getFlows(agent.grpcPort, [{ ...l7, http_method: ['POST'] }]);
    expect(posts).toHaveLength(2);
    const request = postFlows.find((f) => f.l7?.type === 'REQUEST')!;
    expect(request).toMatchObject({
      Type: 'L7',
      event_type: { type: 129 },
      IP: { source: pair.ipA, destination: pair.ipB },
      l4: { TCP: { source_port: postPort, destination_port: HTTP_PORT } },
      is_reply: { value: false },
      l7: { http: { method: 'POST', url: `http://${target}/items?color=blue`, protocol: 'HTTP/1.1' } },
      Summary: `HTTP/1.1 POST http://${target}/items?color=blue`,
    });
    // The name was learned from the DNS answer of the other test (same agent): the address carries it.
    expect(request.destination_names).toEqual([NAME]);

    const created = await getFlows(agent.grpcPort, [{ ...l7, http_status_code: ['201'] }]);
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({
      IP: { source: pair.ipB, destination: pair.ipA },
      l4: { TCP: { source_port: HTTP_PORT, destination_port: postPort } },
      is_reply: { value: true },
      l7: { type: 'RESPONSE', http: { code: 201, method: 'POST', url: `http://${target}/items?color=blue` } },
    });
    expect(created[0]!.l7!.latency_ns).toBeGreaterThan(0);

    const byPath = (await getFlows(agent.grpcPort, [{ ...l7, http_path: ['^/items$'] }])).map(summaryKind);
    expect(byPath.sort()).toEqual(['REQUEST POST', 'RESPONSE POST 201']);
    const clientErrors = (await getFlows(agent.grpcPort, [{ ...l7, http_status_code: ['4+'] }])).map(summaryKind);
    expect(clientErrors).toEqual(['RESPONSE GET 404']);
    const byUrl = (await getFlows(agent.grpcPort, [{ ...l7, http_url: [`^http://${NAME}:${HTTP_PORT}/missing$`] }])).map(summaryKind);
    expect(byUrl.sort()).toEqual(['REQUEST GET', 'RESPONSE GET 404']);
    expect(await getFlows(agent.grpcPort, [{ ...l7, http_method: ['DELETE'] }])).toEqual([]);
  });

  it('counts L7 flows in the Hubble metrics and a malformed DNS datagram as a rejection', async () => {
    await sendJunkDatagram(pair.nsA, pair.ipB, 53);
    const metrics = async (): Promise<string> => (await fetch(`http://127.0.0.1:${agent.metricsPort}/metrics`)).text();
    // Summed over the labels the test does not pin (reason; reporter, which depends on the veth seen first).
    const total = (text: string, name: string, labels: Record<string, string>): number => findSamples(text, name, labels).reduce((sum, s) => sum + s.value, 0);
    const deadline = Date.now() + 20_000;
    let text = await metrics();
    while (total(text, 'flowlens_l7_parse_rejections_total', { protocol: 'dns' }) < 1 && Date.now() < deadline) {
      await delay(200);
      text = await metrics();
    }
    expect(total(text, 'flowlens_l7_parse_rejections_total', { protocol: 'dns' })).toBeGreaterThanOrEqual(1);
    expect(total(text, 'hubble_dns_queries_total', { qtypes: 'A' })).toBe(1);
    expect(total(text, 'hubble_dns_responses_total', { rcode: 'No Error', qtypes: 'A', ips_returned: '1' })).toBe(1);
    expect(total(text, 'hubble_http_requests_total', { method: 'POST', protocol: 'HTTP/1.1' })).toBe(1);
    // The default httpV2 counts requests from their responses, with the status.
    expect(total(text, 'hubble_http_requests_total', { method: 'GET', status: '404' })).toBe(1);
  });
});

function summaryKind(flow: Flow): string {
  const http = flow.l7?.http;
  return [flow.l7?.type, http?.method, http?.code ? String(http.code) : undefined].filter((p) => p !== undefined).join(' ');
}

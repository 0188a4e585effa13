import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Flow } from '../../src/proto/flow.js';
import { isolatedAgentFlags, startAgentProcess, type AgentProcess } from '../helpers/agent-process.js';
import type { PrivilegeWrapper } from '../helpers/agent-cli.js';
import { createPodPair, type PodPair } from '../helpers/netns.js';
import { getFlows, uprobesOf, waitForFlows, waitForMarker } from './agent-flows.js';
import { curl, nodeHttpsGet, serverCertificate, startHttpsServer, type Certificates, type Server } from './l7-traffic.js';

// HTTPS between two pod namespaces, to a node HTTPS server, from curl (OpenSSL in libssl.so.3)
// and from node's own https client (OpenSSL linked into the node binary). With tls.parse on in
// tracer mode the agent's uprobes see the plaintext: the decrypted method, path and status
// are L7 flows on the TCP connection's addresses, from the client's side and from the
// server's. With tls.parse off no uprobe is attached at all; in base mode there are none to
// attach. Either way the L3/L4 flows and the ClientHello's SNI are captured.

const SERVER_NAME = 'secure.flowlens.test';
const HTTPS_PORT = 443;
const UPROBE_EVENTS = '/sys/kernel/tracing/uprobe_events';
const l7 = { event_type: [{ type: 129 }] };
// A datagram sent after the HTTPS exchange: once it shows, any L7 flow of the exchange would have.
const MARKER_PORT = 5393;

interface Setup {
  pair: PodPair;
  certificates: Certificates;
  server: Server;
  agent: AgentProcess;
}

async function setUp(args: string[], wrapper: PrivilegeWrapper): Promise<Setup> {
  const pair = createPodPair();
  const certificates = serverCertificate(SERVER_NAME);
  let server: Server | undefined;
  try {
    server = await startHttpsServer(pair.nsB, certificates, HTTPS_PORT);
    const agent = await startAgentProcess([...isolatedAgentFlags(), '--interfaces', `${pair.hostIfA},${pair.hostIfB}`, ...args], { wrapper });
    return { pair, certificates, server, agent };
  } catch (err) {
    server?.stop();
    certificates.remove();
    pair.cleanup();
    throw err;
  }
}

async function tearDown(setup: Setup | undefined): Promise<void> {
  if (setup === undefined) return;
  try {
    await setup.agent.stop();
  } finally {
    setup.server.stop();
    setup.certificates.remove();
    setup.pair.cleanup();
  }
}

/** curl with the server name resolved to B's address (so it sends SNI); resolves to its client port. */
async function curlHttps(pair: PodPair, path: string): Promise<number> {
  const out = await curl(pair.nsA, ['--insecure', '--resolve', `${SERVER_NAME}:${HTTPS_PORT}:${pair.ipB}`, '--write-out', '%{http_code} %{local_port}', `https://${SERVER_NAME}${path}`]);
  const [status, port] = out.split(' ');
  expect(status).toBe('200');
  return Number(port);
}

function ours(pair: PodPair) {
  return [{ source_ip: [pair.ipA, pair.ipB], destination_ip: [pair.ipA, pair.ipB] }];
}

function clientHellos(flows: Flow[], clientPort: number): Flow[] {
  return flows.filter((f) => f.Type === 'L3_L4' && f.l4?.TCP?.source_port === clientPort && (f.Summary ?? '').includes(`SNI: ${SERVER_NAME}`));
}

describe('HTTPS with tls.parse=true in tracer mode', () => {
  let setup: Setup;
  beforeAll(async () => {
    setup = await setUp(['--capture-mode', 'tracer', '--tls-parse'], 'root');
  });
  afterAll(() => tearDown(setup));

  it('attaches uprobes to libssl and to the node binary', () => {
    const files = new Set(uprobesOf(setup.agent.child.pid!).map((probe) => probe.filename ?? ''));
    expect([...files].some((file) => file.endsWith('/libssl.so.3'))).toBe(true);
    expect([...files].some((file) => file.endsWith(process.execPath))).toBe(true);
  });

  for (const client of ['curl', 'node'] as const) {
    it(`shows ${client}'s decrypted request and response as L7 flows on the connection's addresses, seen by client and server`, async () => {
      const { pair, agent } = setup;
      const path = `/${client}/secret?q=1`;
      const clientPort =
        client === 'curl' ? await curlHttps(pair, path) : (await nodeHttpsGet(pair.nsA, pair.ipB, HTTPS_PORT, path, SERVER_NAME)).localPort;
      const authority = client === 'curl' ? SERVER_NAME : pair.ipB;
      const filter = [{ ...l7, http_path: [`^/${client}/secret$`] }];
      // Request written by the client and read by the server; response written by the server and read by the client.
      const flows = await waitForFlows(agent.grpcPort, filter, (fs) => fs.length >= 4, `${client} HTTPS flows`);
      const requests = flows.filter((f) => f.l7?.type === 'REQUEST');
      const responses = flows.filter((f) => f.l7?.type === 'RESPONSE');
      for (const request of requests) {
        expect(request).toMatchObject({
          Type: 'L7',
          IP: { source: pair.ipA, destination: pair.ipB },
          l4: { TCP: { source_port: clientPort, destination_port: HTTPS_PORT } },
          is_reply: { value: false },
          l7: { http: { method: 'GET', url: `https://${authority}${path}`, protocol: 'HTTP/1.1' } },
        });
      }
      for (const response of responses) {
        expect(response).toMatchObject({
          IP: { source: pair.ipB, destination: pair.ipA },
          l4: { TCP: { source_port: HTTPS_PORT, destination_port: clientPort } },
          is_reply: { value: true },
          l7: { http: { code: 200, method: 'GET', url: `https://${authority}${path}` } },
        });
      }
      expect(requests.map((f) => f.traffic_direction).sort()).toEqual(['EGRESS', 'INGRESS']);
      expect(responses.map((f) => f.traffic_direction).sort()).toEqual(['EGRESS', 'INGRESS']);
      const ok = await getFlows(agent.grpcPort, [{ ...filter[0]!, http_status_code: ['200'], http_method: ['GET'] }]);
      expect(ok).toHaveLength(2);
    });
  }
});

describe('HTTPS with tls.parse=false in tracer mode', () => {
  let setup: Setup;
  beforeAll(async () => {
    setup = await setUp(['--capture-mode', 'tracer'], 'root');
  });
  afterAll(() => tearDown(setup));

  it('attaches no uprobe, still captures the L3/L4 flows and the SNI, and decrypts nothing', async () => {
    const { pair, agent } = setup;
    expect(uprobesOf(agent.child.pid!)).toEqual([]);
    if (existsSync(UPROBE_EVENTS)) expect(readFileSync(UPROBE_EVENTS, 'utf8')).not.toMatch(/libssl|node/);
    const clientPort = await curlHttps(pair, '/plain/secret');
    const flows = await waitForFlows(agent.grpcPort, ours(pair), (fs) => clientHellos(fs, clientPort).length > 0, 'L3/L4 flows with the SNI');
    expect(flows.filter((f) => f.l4?.TCP?.source_port === clientPort && f.l4.TCP.flags?.SYN === true).length).toBeGreaterThan(0);
    await waitForMarker(agent.grpcPort, pair, MARKER_PORT);
    expect(await getFlows(agent.grpcPort, [{ ...l7, ...ours(pair)[0] }])).toEqual([]);
    expect(uprobesOf(agent.child.pid!)).toEqual([]);
  });
});

describe('HTTPS with tls.parse=true in base mode (eBPF taken away)', () => {
  let setup: Setup;
  beforeAll(async () => {
    setup = await setUp(['--capture-mode', 'auto', '--tls-parse'], 'setprivNoBpf');
  });
  afterAll(() => tearDown(setup));

  it('says once why TLS parsing is unavailable, and keeps the L3/L4 flows and the SNI', async () => {
    const { pair, agent } = setup;
    expect(agent.modeLine).toMatchObject({ mode: 'base', tlsParse: { enabled: false } });
    const warning = await agent.waitForLog((line) => line.msg === 'TLS plaintext parsing is unavailable; capture goes on without it');
    expect(String(warning.reason)).toMatch(/base mode/);
    const clientPort = await curlHttps(pair, '/base/secret');
    const hellos = clientHellos(
      await waitForFlows(agent.grpcPort, ours(pair), (fs) => clientHellos(fs, clientPort).length > 0, 'L3/L4 flows with the SNI'),
      clientPort,
    );
    expect(hellos[0]).toMatchObject({ IP: { source: pair.ipA, destination: pair.ipB }, l4: { TCP: { destination_port: HTTPS_PORT } } });
    expect(hellos[0]!.Summary).toMatch(/ALPN: h2,http\/1\.1/);
    await waitForMarker(agent.grpcPort, pair, MARKER_PORT);
    expect(await getFlows(agent.grpcPort, [{ ...l7, ...ours(pair)[0] }])).toEqual([]);
    expect(agent.logs.filter((line) => line.msg === warning.msg)).toHaveLength(1);
  });
});

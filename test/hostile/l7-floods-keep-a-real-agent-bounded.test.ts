import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isolatedAgentFlags, startAgentProcess, type AgentProcess } from '../helpers/agent-process.js';
import { sampleValue } from '../helpers/exposition.js';
import { finished, nodeScriptArgv, ready, spawnInNamespace } from '../helpers/namespace-process.js';
import { createPodPair, type PodPair } from '../helpers/netns.js';

// A real agent (tracer mode) on the veths of two pod namespaces while one pod floods the
// other with DNS queries (random ids, a new name each, never answered) and with HTTP
// requests on fresh connections to a server that never answers. The flood is bounded in
// count and time. Afterwards the agent's L7 tables sit at or under their bounds, the pending
// tables were full and evicted, and its resident memory is under RSS_BOUND_BYTES.

const DNS_QUERIES = 120_000;
const HTTP_REQUESTS = 15_000;
// Payload records are rate-limited to 10,000/s per CPU and each packet crosses two veths:
// this pace keeps most of them captured.
const DNS_QUERIES_PER_SECOND = 5_000;
const FLOOD_TIMEOUT_MS = 90_000;
const HTTP_PORT = 8080;
const RSS_BOUND_BYTES = 512 * 1024 * 1024;

// Accepts connections and reads, never answers.
const SILENT_SERVER = `
import net from 'node:net';
const [port] = process.argv.slice(-1);
net.createServer((socket) => { socket.on('data', () => {}); socket.on('error', () => {}); })
  .listen(Number(port), () => console.log('ready'));`;

// DNS queries at a fixed pace from 16 sockets, then HTTP requests on fresh connections, 64 at
// a time, each closed once its request is written.
const FLOOD = `
import dgram from 'node:dgram';
import net from 'node:net';
const [host, queries, perSecond, requests, port] = process.argv.slice(-5).map((v, i) => (i === 0 ? v : Number(v)));
function query(i) {
  const labels = ['q' + i.toString(36), 'flood', 'test'];
  const parts = [Buffer.from([(Math.random() * 256) | 0, (Math.random() * 256) | 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0])];
  for (const label of labels) parts.push(Buffer.from([label.length]), Buffer.from(label));
  parts.push(Buffer.from([0, 0, 1, 0, 1]));
  return Buffer.concat(parts);
}
const sockets = Array.from({ length: 16 }, () => dgram.createSocket('udp4'));
sockets.forEach((s) => s.on('error', () => {}));
let sent = 0;
const tick = 20;
await new Promise((resolve) => {
  const timer = setInterval(() => {
    const batch = Math.min(queries - sent, Math.ceil((perSecond * tick) / 1000));
    for (let k = 0; k < batch; k++, sent++) sockets[sent % sockets.length].send(query(sent), 53, host);
    if (sent >= queries) { clearInterval(timer); resolve(); }
  }, tick);
});
await new Promise((r) => setTimeout(r, 200));
sockets.forEach((s) => s.close());
let started = 0;
let done = 0;
await new Promise((resolve) => {
  const next = () => {
    if (started >= requests) return;
    const i = started++;
    const socket = net.connect(port, host, () => socket.write('GET /flood/' + i + ' HTTP/1.1\\r\\nHost: flood.test\\r\\n\\r\\n', () => socket.destroy()));
    const finish = () => { socket.destroy(); done++; if (done === requests) resolve(); else next(); };
    socket.on('close', finish);
    socket.on('error', () => {});
    socket.setTimeout(5000, finish);
  };
  for (let k = 0; k < 64; k++) next();
});
console.log(sent + ' ' + done);`;

async function scrape(agent: AgentProcess): Promise<string> {
  return (await fetch(`http://127.0.0.1:${agent.metricsPort}/metrics`)).text();
}

describe('a real agent under an L7 flood', () => {
  let pair: PodPair;
  let agent: AgentProcess;
  let server: { kill(): void } | undefined;

  beforeAll(async () => {
    pair = createPodPair();
    try {
      const child = spawnInNamespace(pair.nsB, nodeScriptArgv(SILENT_SERVER, [HTTP_PORT]));
      server = child;
      await ready(child, 'silent HTTP server', 20_000);
      agent = await startAgentProcess([...isolatedAgentFlags(), '--capture-mode', 'tracer', '--interfaces', `${pair.hostIfA},${pair.hostIfB}`]);
    } catch (err) {
      server?.kill();
      pair.cleanup();
      throw err;
    }
  });

  afterAll(async () => {
    try {
      await agent?.stop();
    } finally {
      server?.kill();
      pair?.cleanup();
    }
  });

  it('keeps every L7 table at or under its bound, evicts the overflow, and its RSS under the bound', async () => {
    const rssBefore = sampleValue(await scrape(agent), 'process_resident_memory_bytes') ?? 0;
    const flood = spawnInNamespace(pair.nsA, nodeScriptArgv(FLOOD, [pair.ipB, DNS_QUERIES, DNS_QUERIES_PER_SECOND, HTTP_REQUESTS, HTTP_PORT]));
    const [queriesSent, requestsDone] = (await finished(flood, 'L7 flood', FLOOD_TIMEOUT_MS)).trim().split(' ').map(Number);
    expect(queriesSent).toBe(DNS_QUERIES);
    expect(requestsDone).toBe(HTTP_REQUESTS);

    const text = await scrape(agent);
    const value = (name: string, labels: Record<string, string>): number => sampleValue(text, name, labels) ?? Number.NaN;
    const figures: string[] = [];
    for (const table of ['dns_pending', 'http_pending', 'dns_names', 'repeated_packets']) {
      const entries = value('flowlens_l7_table_entries', { table });
      const capacity = value('flowlens_l7_table_capacity', { table });
      const evicted = value('flowlens_l7_table_evictions_total', { table, reason: 'capacity' });
      figures.push(`${table} ${entries}/${capacity} evicted ${evicted}`);
      expect(entries).toBeLessThanOrEqual(capacity);
    }
    // Far more queries were captured than the pending table holds: it filled and pushed out the oldest.
    expect(value('flowlens_l7_table_entries', { table: 'dns_pending' })).toBe(value('flowlens_l7_table_capacity', { table: 'dns_pending' }));
    expect(value('flowlens_l7_table_evictions_total', { table: 'dns_pending', reason: 'capacity' })).toBeGreaterThan(0);
    expect(value('flowlens_l7_table_entries', { table: 'http_pending' })).toBeGreaterThan(0);
    // Unanswered queries teach no names.
    expect(value('flowlens_l7_table_entries', { table: 'dns_names' })).toBe(0);

    const rssAfter = value('process_resident_memory_bytes', {});
    const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(0);
    console.log(`agent under L7 flood: RSS ${mib(rssBefore)} -> ${mib(rssAfter)} MiB (bound ${mib(RSS_BOUND_BYTES)} MiB); ${figures.join('; ')}`);
    expect(rssAfter).toBeLessThan(RSS_BOUND_BYTES);
  }, 150_000);
});

import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { NativeRecord } from '../../src/native/records.js';
import { finished, nodeScriptArgv, ready, spawnInNamespace } from '../helpers/namespace-process.js';
import { MODES, withCapture } from './capture-fixture.js';

// Short TCP connections (connect, a few bytes, close) between two pods, seen on both host
// veths: per connection, each observation point (veth and direction) reports the handshake
// flag it saw and the close, and every packet is counted exactly once; nothing more.

const TCP = 6;
const SYN = 0x02;
const FIN = 0x01;
const RST = 0x04;
const ACK = 0x10;
const SERVER_PORT = 8090;
const CONNECTIONS = 100;
// Longer than a connection lasts even on a busy machine: no periodic report is due.
const REPORT_INTERVAL_MS = 2000;
const RUN_TIMEOUT_MS = 30_000;
// Quiet for longer than that: a sweep would have reported any counts left behind.
const SETTLE_MS = REPORT_INTERVAL_MS + 1000;
const SETTLE_LIMIT_MS = 20_000;

const SERVER = `
import net from 'node:net';
const [port] = process.argv.slice(-1);
net.createServer((socket) => { socket.resume(); socket.on('end', () => socket.end()); socket.on('error', () => {}); })
  .listen(Number(port), '0.0.0.0', () => console.log('ready'));`;

// Connections one after the other; "fin": write, end, wait for the server's end; "rst": write, reset.
const CLIENT = `
import net from 'node:net';
const [host, port, count, close] = process.argv.slice(-4);
const ports = [];
for (let i = 0; i < Number(count); i++) {
  await new Promise((resolve, reject) => {
    const socket = net.connect({ host, port: Number(port) }, () => {
      ports.push(socket.localPort);
      if (close === 'rst') { socket.write('x'); setImmediate(() => socket.resetAndDestroy()); }
      else socket.end('x'.repeat(100));
    });
    socket.resume();
    socket.on('error', (err) => (err.code === 'ECONNRESET' ? resolve() : reject(err)));
    socket.on('close', resolve);
  });
}
console.log(JSON.stringify(ports));`;

async function connections(nsServer: string, nsClient: string, host: string, close: 'fin' | 'rst'): Promise<number[]> {
  const server = spawnInNamespace(nsServer, nodeScriptArgv(SERVER, [SERVER_PORT]));
  try {
    await ready(server, 'tcp server', RUN_TIMEOUT_MS);
    const out = await finished(spawnInNamespace(nsClient, nodeScriptArgv(CLIENT, [host, SERVER_PORT, CONNECTIONS, close])), 'tcp client', RUN_TIMEOUT_MS);
    return JSON.parse(out) as number[];
  } finally {
    server.kill('SIGKILL');
  }
}

/** Waits until no matching record arrived for SETTLE_MS. */
async function settled(records: NativeRecord[], match: (r: NativeRecord) => boolean): Promise<NativeRecord[]> {
  const deadline = Date.now() + SETTLE_LIMIT_MS;
  let seen = -1;
  for (;;) {
    const now = records.filter(match).length;
    if (now === seen || Date.now() > deadline) return records.filter(match);
    seen = now;
    await delay(SETTLE_MS);
  }
}

describe.each(MODES)('%s session', (mode) => {
  it.each(['fin', 'rst'] as const)('short connections closed with %s', async (close) => {
    await withCapture({ mode, aggregate: true, reportIntervalMs: REPORT_INTERVAL_MS }, async ({ pair, collector, ifindexA, ifindexB }) => {
      const ports = new Set(await connections(pair.nsB, pair.nsA, pair.ipB, close));
      expect(ports.size).toBe(CONNECTIONS);
      const ours = (r: NativeRecord): boolean =>
        r.kind === 'flow' && r.protocol === TCP && (r.sourcePort === SERVER_PORT ? ports.has(r.destinationPort) : r.destinationPort === SERVER_PORT && ports.has(r.sourcePort));
      const records = await settled(collector.records, ours);
      const byReason: Record<string, number> = {};
      for (const r of records) byReason[r.reason] = (byReason[r.reason] ?? 0) + 1;
      console.log(`${mode} ${close}: ${records.length / CONNECTIONS} records per connection`, byReason);
      // Per observation point: the handshake flag it saw, and the close in its direction (a
      // reset goes one way only); the last ACK is counted in the close's record.
      const perConnection = close === 'fin' ? 8 : 6;
      expect(records.length).toBe(perConnection * CONNECTIONS);
      const close_ = close === 'fin' ? FIN : RST;
      for (const ifindex of [ifindexA, ifindexB]) {
        for (const port of ports) {
          const ofConnection = records.filter((r) => r.ifindex === ifindex && (r.sourcePort === port || r.destinationPort === port));
          const request = ofConnection.filter((r) => r.sourcePort === port);
          const reply = ofConnection.filter((r) => r.destinationPort === port);
          expect(request.map((r) => r.tcpFlags & (SYN | close_))).toEqual([SYN, close_]);
          expect(reply[0]!.tcpFlags & (SYN | ACK)).toBe(SYN | ACK);
          if (close === 'fin') expect(reply.map((r) => r.tcpFlags & FIN)).toEqual([0, FIN]);
        }
      }
      // Every packet crosses both veths: both count the same packets and bytes.
      const sum = (ifindex: number, field: 'packets' | 'bytes'): number => records.filter((r) => r.ifindex === ifindex).reduce((total, r) => total + r[field], 0);
      expect(sum(ifindexA, 'packets')).toBe(sum(ifindexB, 'packets'));
      expect(sum(ifindexA, 'bytes')).toBe(sum(ifindexB, 'bytes'));
      expect(sum(ifindexA, 'packets')).toBeGreaterThanOrEqual((close === 'fin' ? 7 : 4) * CONNECTIONS);
    });
  }, 90_000);
});

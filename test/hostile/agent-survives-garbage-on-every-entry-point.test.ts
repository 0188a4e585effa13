import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect as http2Connect, type ClientHttp2Session, type SecureClientSessionOptions } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { generateCertificates, type GeneratedCertificatePaths } from '../../src/certs/generate.js';
import { MAX_CONNECTIONS } from '../../src/metrics/http-listener.js';
import type { Flow } from '../../src/proto/flow.js';
import { hubbleProtos, protoRoot } from '../../src/proto/load.js';
import { MAX_RECEIVE_MESSAGE_BYTES } from '../../src/server/listeners.js';
import { startAgentProcess, type AgentProcess } from '../helpers/agent-process.js';
import { createPodPair, type PodPair } from '../helpers/netns.js';
import { clientTls, collect, ownConnection, waitFor } from '../server/tls-fixture.js';
import { askStatus, forPath, HTTP_CASES } from './http-cases.js';
import {
  dialTcp,
  dialTls,
  dialUnix,
  EMPTY_SETTINGS,
  exchange,
  FLAG,
  FRAME,
  frame,
  grpcExchange,
  grpcMessage,
  grpcRequestHeaders,
  grpcRequests,
  headerBlock,
  holdConnections,
  PREFACE,
  randomBytesFrom,
  type Dial,
} from './raw-clients.js';

// Every entry point of a real agent gets every kind of garbage an attacker on the network (or
// a broken client) can send; afterwards the same process still captures, serves flows and
// answers its probes. The figures printed at the end are requests tried per entry point.

const NODE = 'node-1';
const SERVER_NAME = `${NODE}.default.hubble-grpc.cilium.io`;
const GET_FLOWS = '/observer.Observer/GetFlows';
const SERVER_STATUS = '/observer.Observer/ServerStatus';
const RANDOM_CASES = 100;
const BATCH = 50;
const SHORT_MS = 1_000;
const HTTP2_CANCEL = 0x8;

/** Per entry point: requests tried (a connection of garbage, an HTTP request or a gRPC stream each count one) and frames flooded. */
class Tally {
  readonly tried = new Map<string, number>();
  readonly flooded = new Map<string, number>();
  add(entry: string, count = 1): void {
    this.tried.set(entry, (this.tried.get(entry) ?? 0) + count);
  }
  flood(entry: string, frames: number): void {
    this.flooded.set(entry, (this.flooded.get(entry) ?? 0) + frames);
  }
}

async function inBatches<T>(items: readonly T[], run: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += BATCH) await Promise.all(items.slice(i, i + BATCH).map(run));
}

function encodeGetFlowsRequest(request: object): Buffer {
  const type = protoRoot.lookupType('observer.GetFlowsRequest');
  return Buffer.from(type.encode(type.fromObject(request)).finish());
}

function sessionOver(dial: Dial, secure: SecureClientSessionOptions | undefined): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = secure
      ? http2Connect(`https://${SERVER_NAME}`, { ...secure, createConnection: () => dial() as never })
      : http2Connect('http://flowlens', { createConnection: () => dial() as never });
    session.once('connect', () => resolve(session));
    session.once('error', reject);
  });
}

// --- HTTP: metrics and health ---

async function attackHttp(entry: string, port: number, path: string, tally: Tally): Promise<void> {
  const dial = dialTcp(port);
  for (const [what, request, status] of HTTP_CASES) {
    expect(await askStatus(dial, forPath(request, path)), what).toBe(status);
    tally.add(entry);
  }
  const valid = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`, 'latin1');
  const blobs = Array.from({ length: RANDOM_CASES }, (_, i) => randomBytesFrom(1000 + i, 1 + ((i * 37) % 3000)));
  const mutants = Array.from({ length: RANDOM_CASES }, (_, i) => {
    const bytes = Buffer.from(valid);
    const noise = randomBytesFrom(5000 + i, 8);
    for (let k = 0; k < 4; k++) bytes[noise[k]! % bytes.length] = noise[k + 4]!;
    return bytes;
  });
  await inBatches([...blobs, ...mutants], async (bytes) => {
    await exchange(dial, [bytes], { timeoutMs: SHORT_MS, done: (r) => r.includes('\r\n\r\n') });
    tally.add(entry);
  });
  // Pipelining, a large body, a slow client, and more idle connections than the server takes.
  const pipelined = 500;
  const answers = (received: Buffer): number => (received.toString('latin1').match(/^HTTP\/1\.1 /gm) ?? []).length;
  const inOrder = await exchange(dial, [`HEAD ${path} HTTP/1.1\r\nHost: x\r\n\r\n`.repeat(pipelined)], {
    timeoutMs: 10_000,
    done: (received) => answers(received) >= pipelined,
  });
  if (answers(inOrder.received) !== pipelined) { const t = Date.now(); const st = (await fetch(`http://127.0.0.1:${port}${path}`)).status; const again = await exchange(dial, [`HEAD ${path} HTTP/1.1\r\nHost: x\r\n\r\n`.repeat(3)], { timeoutMs: 3000 }); console.log('DBG', entry, inOrder.elapsedMs, st, Date.now() - t, JSON.stringify(again.received.toString('latin1').slice(0, 300))); }
  expect(answers(inOrder.received)).toBe(pipelined);
  tally.add(entry, pipelined);
  await exchange(dial, [`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\n`, Buffer.alloc(1 << 20)], { timeoutMs: SHORT_MS });
  tally.add(entry);
  const slow = await Promise.all(
    Array.from({ length: 3 }, () => exchange(dial, `GET ${path} HTTP/1.1\r\nHost: x\r\nX-Slow: yes\r\n`.split(''), { timeoutMs: 12_000, gapMs: 300 })),
  );
  tally.add(entry, slow.length);
  expect(slow.every((result) => result.closedByPeer && result.received.toString('latin1').startsWith('HTTP/1.1 408'))).toBe(true);
  // Past the cap new connections are closed at once; the held ones time out.
  const idle = await holdConnections(dial, MAX_CONNECTIONS + 20, 'GET / HTTP/1.1\r\n');
  try {
    tally.add(entry, MAX_CONNECTIONS + 20);
    await waitFor(`${entry}: idle connections closed`, () => idle.open() === 0, 15_000);
  } finally {
    idle.close();
  }
}

// --- gRPC: TCP (plaintext or mTLS) and the unix socket ---

interface GrpcEntry {
  name: string;
  /** A connection ready for HTTP/2 bytes (after the TLS handshake on a TLS port). */
  dial: Dial;
  /** The bare transport, before any TLS: where garbage before the handshake goes. */
  dialBare: Dial;
  secure?: SecureClientSessionOptions;
}

function brokenPrefaces(): Buffer[] {
  const flipped = Array.from({ length: PREFACE.length }, (_, i) => {
    const bytes = Buffer.from(PREFACE);
    bytes[i] = bytes[i]! ^ 0x20;
    return Buffer.concat([bytes, EMPTY_SETTINGS]);
  });
  const truncated = Array.from({ length: PREFACE.length - 1 }, (_, i) => PREFACE.subarray(0, i + 1));
  return [...flipped, ...truncated];
}

function brokenFrames(): Buffer[] {
  const random = Array.from({ length: RANDOM_CASES }, (_, i) => {
    const noise = randomBytesFrom(9000 + i, 1 + (i % 200));
    return Buffer.concat([PREFACE, EMPTY_SETTINGS, frame(noise[0]! % 12, noise[1] ?? 0, (noise[2] ?? 0) % 8, noise.subarray(3))]);
  });
  const randomHeaders = Array.from({ length: RANDOM_CASES }, (_, i) =>
    Buffer.concat([PREFACE, EMPTY_SETTINGS, frame(FRAME.HEADERS, FLAG.END_HEADERS, 1, randomBytesFrom(12000 + i, 1 + (i % 300)))]),
  );
  const crafted = [
    Buffer.concat([PREFACE, EMPTY_SETTINGS, Buffer.from([0xff, 0xff, 0xff, FRAME.DATA, 0, 0, 0, 0, 1])]), // 16 MiB frame header
    Buffer.concat([PREFACE, frame(FRAME.SETTINGS, 0, 0, Buffer.alloc(5))]), // SETTINGS of a bad length
    Buffer.concat([PREFACE, frame(FRAME.SETTINGS, 0, 0, Buffer.from([0, 4, 0xff, 0xff, 0xff, 0xff]))]), // window over 2^31-1
    Buffer.concat([PREFACE, EMPTY_SETTINGS, frame(FRAME.WINDOW_UPDATE, 0, 0, Buffer.alloc(4))]), // increment 0
    Buffer.concat([PREFACE, EMPTY_SETTINGS, frame(FRAME.DATA, 0, 0, Buffer.from('x'))]), // DATA on stream 0
    Buffer.concat([PREFACE, EMPTY_SETTINGS, frame(FRAME.DATA, 0, 1, Buffer.from('x'))]), // DATA on an idle stream
    Buffer.concat([PREFACE, EMPTY_SETTINGS, frame(FRAME.HEADERS, FLAG.END_HEADERS, 2, headerBlock(grpcRequestHeaders(GET_FLOWS)))]), // even stream id
    Buffer.concat([PREFACE, EMPTY_SETTINGS, frame(FRAME.CONTINUATION, FLAG.END_HEADERS, 1, Buffer.from('x'))]), // CONTINUATION alone
    Buffer.concat([PREFACE, EMPTY_SETTINGS, frame(FRAME.GOAWAY, 0, 0, Buffer.alloc(8)), frame(FRAME.PING, 0, 0, Buffer.alloc(8))]),
    Buffer.concat([PREFACE, EMPTY_SETTINGS, frame(FRAME.RST_STREAM, 0, 99, Buffer.alloc(4))]), // RST of an unknown stream
    Buffer.concat([PREFACE, EMPTY_SETTINGS, frame(FRAME.PING, 0, 0, Buffer.alloc(3))]), // PING of a bad length
  ];
  return [...random, ...randomHeaders, ...crafted];
}

function undecodableMessages(): Buffer[] {
  const crafted = [[0x08, 0xff], [0x0f], [0x2a, 0x7f, 0x01], [0x0c], [0x32, 0x05, 0x0a, 0x7f]].map((bytes) => grpcMessage(Buffer.from(bytes)));
  const random = Array.from({ length: RANDOM_CASES }, (_, i) => grpcMessage(randomBytesFrom(20000 + i, 1 + ((i * 13) % 500))));
  const framing = [
    grpcMessage(Buffer.from([0x08, 0x01]), { compressed: true }), // compressed, but no grpc-encoding
    grpcMessage(Buffer.from([0x08]), { declaredLength: 100 }), // ends before the declared length
    Buffer.from([0x00, 0x00]), // a prefix cut short
    Buffer.concat([grpcMessage(Buffer.alloc(0)), grpcMessage(Buffer.alloc(0))]), // two messages on a server-streaming call
  ];
  return [...crafted, ...random, ...framing];
}

async function attackGrpc(entry: GrpcEntry, tally: Tally): Promise<void> {
  const tried = (count = 1): void => tally.add(entry.name, count);
  const session = await sessionOver(entry.dial, entry.secure);
  try {
    // Bytes that are not HTTP/2 at all, broken prefaces, broken frames.
    const notHttp2 = [
      Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
      Buffer.from('PRI * HTTP/1.1\r\n\r\n'),
      ...Array.from({ length: RANDOM_CASES }, (_, i) => randomBytesFrom(3000 + i, 1 + ((i * 53) % 4000))),
    ];
    await inBatches([...notHttp2, ...brokenPrefaces(), ...brokenFrames()], async (bytes) => {
      await exchange(entry.dial, [bytes], { timeoutMs: SHORT_MS });
      tried();
    });

    // Requests whose message is not protobuf, or not framed as gRPC.
    const crafted = undecodableMessages();
    const answers: (number | undefined)[] = [];
    await inBatches(crafted, async (message) => {
      answers.push((await grpcExchange(session, GET_FLOWS, message, SHORT_MS)).status);
      tried();
    });
    for (const message of crafted.slice(0, 5)) {
      expect((await grpcExchange(session, GET_FLOWS, message)).status).toBe(grpc.status.INVALID_ARGUMENT);
      tried();
    }
    expect(answers).not.toContain(grpc.status.UNKNOWN);

    // Oversized messages, real and claimed.
    expect((await grpcExchange(session, GET_FLOWS, grpcMessage(Buffer.alloc(MAX_RECEIVE_MESSAGE_BYTES + 1)))).status).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect((await grpcExchange(session, GET_FLOWS, grpcMessage(Buffer.alloc(0), { declaredLength: 0xffffffff }))).status).toBe(grpc.status.RESOURCE_EXHAUSTED);
    tried(2);

    // Unknown services and methods, odd paths.
    const paths = ['/no.Such/Service', '/observer.Observer/NoSuchMethod', '/', '/observer.Observer/', '//GetFlows', 'GetFlows', `/${'x'.repeat(10_000)}`];
    for (const path of paths) {
      const status = (await grpcExchange(session, path, grpcMessage(Buffer.alloc(0)), SHORT_MS)).status;
      expect(status === undefined || status === grpc.status.UNIMPLEMENTED, path).toBe(true);
      tried();
    }

    // Thousands of streams on one connection: a client that ignores the stream limit, and one
    // that keeps it (node:http2 queues past the server's limit).
    const follow = grpcMessage(encodeGetFlowsRequest({ follow: true }));
    await exchange(entry.dial, [grpcRequests(GET_FLOWS, Array.from({ length: 2_000 }, () => follow))], { timeoutMs: 3_000 });
    tried(2_000);
    const statusRequests = await Promise.all(Array.from({ length: 2_000 }, () => grpcExchange(session, SERVER_STATUS, grpcMessage(Buffer.alloc(0)))));
    tried(2_000);
    expect(statusRequests.filter((answer) => answer.status !== grpc.status.OK)).toEqual([]);

    // Floods of frames that cost the server work without a stream: rapid reset, pings, settings, continuation.
    const headers = headerBlock(grpcRequestHeaders(GET_FLOWS));
    const rapidReset = Array.from({ length: 5_000 }, (_, i) =>
      Buffer.concat([frame(FRAME.HEADERS, FLAG.END_HEADERS, 2 * i + 1, headers), frame(FRAME.RST_STREAM, 0, 2 * i + 1, Buffer.from([0, 0, 0, HTTP2_CANCEL]))]),
    );
    const floods = [
      [PREFACE, EMPTY_SETTINGS, Buffer.concat(rapidReset)],
      [PREFACE, EMPTY_SETTINGS, Buffer.concat(Array.from({ length: 10_000 }, (_, i) => frame(FRAME.PING, 0, 0, randomBytesFrom(i + 1, 8))))],
      [PREFACE, Buffer.concat(Array.from({ length: 5_000 }, () => EMPTY_SETTINGS))],
      [PREFACE, EMPTY_SETTINGS, frame(FRAME.HEADERS, 0, 1, headers), Buffer.concat(Array.from({ length: 5_000 }, () => frame(FRAME.CONTINUATION, 0, 1, Buffer.from([0x00, 0x01, 0x78, 0x7f, 0x00, ...Buffer.alloc(127, 0x61)]))))],
    ];
    for (const chunks of floods) {
      await exchange(entry.dial, chunks, { timeoutMs: 3_000 });
    }
    tally.flood(entry.name, 2 * 5_000 + 10_000 + 5_000 + 5_000);

    // Half-open and idle connections held while a real client is served.
    const quiet = await holdConnections(entry.dialBare, 100, undefined);
    const greeted = await holdConnections(entry.dial, 100, Buffer.concat([PREFACE, EMPTY_SETTINGS]));
    tried(200);
    try {
      expect((await grpcExchange(session, SERVER_STATUS, grpcMessage(Buffer.alloc(0)))).status).toBe(grpc.status.OK);
    } finally {
      quiet.close();
      greeted.close();
    }
  } finally {
    session.destroy();
  }
}

async function attackTlsHandshake(entry: GrpcEntry, port: number, certs: GeneratedCertificatePaths, tally: Tally): Promise<void> {
  const ca = readFileSync(certs.caCert);
  const base = { host: '127.0.0.1', port, ca, servername: SERVER_NAME, ALPNProtocols: ['h2'] };
  const clientPair = { cert: readFileSync(certs.clientCert), key: readFileSync(certs.clientKey) };
  const record = (i: number): Buffer => Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x01, 0x00]), randomBytesFrom(40000 + i, 256)]);
  const garbage = [
    ...Array.from({ length: RANDOM_CASES }, (_, i) => randomBytesFrom(30000 + i, 1 + ((i * 71) % 2000))),
    ...Array.from({ length: RANDOM_CASES }, (_, i) => record(i)),
    Buffer.concat([PREFACE, EMPTY_SETTINGS]), // plaintext HTTP/2 to the TLS port
  ];
  await inBatches(garbage, async (bytes) => {
    await exchange(entry.dialBare, [bytes], { timeoutMs: SHORT_MS });
    tally.add(entry.name);
  });
  const wrongCa = generateCertificates({ outDir: mkdtempSync(join(tmpdir(), 'fl-hostile-other-ca-')), nodeName: NODE, clusterName: 'default', ips: [], validDays: 2 });
  const handshakes = [
    dialTls(base), // no client certificate
    dialTls({ ...base, ...clientPair, maxVersion: 'TLSv1.2' }),
    dialTls({ ...base, ...clientPair, ALPNProtocols: [] }), // no ALPN h2
    dialTls({ ...base, cert: readFileSync(wrongCa.clientCert), key: readFileSync(wrongCa.clientKey) }),
  ];
  for (const dial of handshakes) {
    await exchange(dial, [Buffer.concat([PREFACE, EMPTY_SETTINGS])], { timeoutMs: 3_000 });
    tally.add(entry.name);
  }
  rmSync(join(wrongCa.caCert, '..'), { recursive: true, force: true });
}

// --- afterwards: the same process, still serving ---

async function stillServes(agent: AgentProcess, pid: number, pair: PodPair, client: grpc.Client): Promise<void> {
  expect(agent.child.exitCode).toBeNull();
  expect(agent.child.pid).toBe(pid);
  process.kill(pid, 0);
  const stream = collect<{ flow?: Flow }>(client, 'GetFlows', { follow: true, whitelist: [{ source_ip: [pair.ipA], protocol: ['icmp'] }] });
  // The server sends its version metadata when the call arrives: from then on, new flows reach the stream.
  let arrived = false;
  stream.call.once('metadata', () => (arrived = true));
  try {
    await waitFor('the GetFlows call at the server', () => arrived);
    // A ping every few seconds until its echo request shows (bounded): one lost packet on a loaded machine is not a failure.
    const echoed = (): boolean => stream.received.some((r) => r.flow?.l4?.ICMPv4?.type === 8);
    const deadline = Date.now() + 40_000;
    while (!echoed()) {
      if (Date.now() > deadline) throw new Error('no echo request on GetFlows after the attack');
      pair.exec(pair.nsA, ['ping', '-c', '1', '-W', '2', pair.ipB]);
      await waitFor('an echo request on GetFlows', echoed, 5_000).catch(() => undefined);
    }
  } finally {
    stream.call.cancel();
  }
  expect((await fetch(`http://127.0.0.1:${agent.metricsPort}/metrics`)).status).toBe(200);
  expect((await fetch(`http://127.0.0.1:${agent.healthPort}/healthz`)).status).toBe(200);
  expect(agent.logs.filter((line) => line.level >= 60)).toEqual([]);
}

function report(agentName: string, tally: Tally, pidBefore: number, pidAfter: number | undefined): void {
  console.log(
    JSON.stringify({
      agent: agentName,
      requestsTriedPerEntryPoint: Object.fromEntries(tally.tried),
      framesFloodedPerEntryPoint: Object.fromEntries(tally.flooded),
      crashes: pidAfter === pidBefore ? 0 : 1,
    }),
  );
}

describe('an agent under garbage on every entry point', () => {
  it('with mTLS on TCP: metrics, health, gRPC over mTLS and the unix socket survive, and it still serves', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fl-hostile-'));
    const pair = createPodPair();
    const tally = new Tally();
    try {
      const certs = generateCertificates({ outDir: join(dir, 'certs'), nodeName: NODE, clusterName: 'default', ips: ['127.0.0.1'], validDays: 2 });
      const socketPath = join(dir, 'hubble.sock');
      const agent = await startAgentProcess([
        '--hubble-listen-address', '127.0.0.1:0',
        '--metrics-address', '127.0.0.1:0',
        '--health-address', '127.0.0.1:0',
        '--hubble-unix-socket', socketPath,
        '--interfaces', `${pair.hostIfA},${pair.hostIfB}`,
        '--node-name', NODE,
        '--hubble-tls-cert-file', certs.serverCert,
        '--hubble-tls-key-file', certs.serverKey,
        '--hubble-tls-client-ca-files', certs.clientCaCert,
      ]);
      const pid = agent.child.pid!;
      const client = new hubbleProtos.observer.Observer(`unix:${socketPath}`, grpc.credentials.createInsecure(), ownConnection());
      try {
        await Promise.all([attackHttp('metrics HTTP', agent.metricsPort, '/metrics', tally), attackHttp('health HTTP', agent.healthPort, '/readyz', tally)]);
        await attackGrpc({ name: 'gRPC unix socket', dial: dialUnix(socketPath), dialBare: dialUnix(socketPath) }, tally);
        const tlsOptions = {
          host: '127.0.0.1',
          port: agent.grpcPort,
          ca: readFileSync(certs.caCert),
          cert: readFileSync(certs.clientCert),
          key: readFileSync(certs.clientKey),
          servername: SERVER_NAME,
          ALPNProtocols: ['h2'],
        };
        const tlsEntry: GrpcEntry = { name: 'gRPC TCP mTLS', dial: dialTls(tlsOptions), dialBare: dialTcp(agent.grpcPort), secure: tlsOptions };
        await attackTlsHandshake(tlsEntry, agent.grpcPort, certs, tally);
        await attackGrpc(tlsEntry, tally);

        await stillServes(agent, pid, pair, client);
        const tls = clientTls(certs.caCert, certs);
        const overTls = new hubbleProtos.observer.Observer(`127.0.0.1:${agent.grpcPort}`, tls.credentials, ownConnection(SERVER_NAME));
        try {
          await stillServes(agent, pid, pair, overTls);
        } finally {
          overTls.close();
        }
        report('mTLS', tally, pid, agent.child.pid);
      } finally {
        client.close();
        expect(await agent.stop()).toBe(0);
      }
    } finally {
      pair.cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);

  it('with plaintext on TCP: gRPC over TCP survives, and it still serves', async () => {
    const pair = createPodPair();
    const tally = new Tally();
    try {
      const agent = await startAgentProcess([
        '--hubble-listen-address', '127.0.0.1:0',
        '--metrics-address', '127.0.0.1:0',
        '--health-address', '127.0.0.1:0',
        '--hubble-unix-socket', '',
        '--interfaces', `${pair.hostIfA},${pair.hostIfB}`,
        '--node-name', NODE,
      ]);
      const pid = agent.child.pid!;
      const client = new hubbleProtos.observer.Observer(`127.0.0.1:${agent.grpcPort}`, grpc.credentials.createInsecure(), ownConnection());
      try {
        const entry: GrpcEntry = { name: 'gRPC TCP plaintext', dial: dialTcp(agent.grpcPort), dialBare: dialTcp(agent.grpcPort) };
        // A TLS client on the plaintext port.
        await exchange(dialTls({ host: '127.0.0.1', port: agent.grpcPort, rejectUnauthorized: false, ALPNProtocols: ['h2'] }), [PREFACE], { timeoutMs: 3_000 });
        tally.add(entry.name);
        await attackGrpc(entry, tally);
        await stillServes(agent, pid, pair, client);
        report('plaintext', tally, pid, agent.child.pid);
      } finally {
        client.close();
        expect(await agent.stop()).toBe(0);
      }
    } finally {
      pair.cleanup();
    }
  }, 240_000);
});

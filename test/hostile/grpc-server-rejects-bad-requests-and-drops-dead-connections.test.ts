import { connect as http2Connect, type ClientHttp2Session } from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { healthService, hubbleProtos, observerService, protoRoot } from '../../src/proto/load.js';
import { HealthService, HealthStatusRegistry } from '../../src/server/health-service.js';
import { MAX_CONCURRENT_STREAMS, MAX_RECEIVE_MESSAGE_BYTES, startListeners, type RunningListeners, type ServiceBinding } from '../../src/server/listeners.js';
import { createObserverService } from '../../src/server/observer.js';
import { FlowStore } from '../../src/store/flow-store.js';
import { makeFlow } from '../helpers/flows.js';
import {
  dialTcp,
  EMPTY_SETTINGS,
  exchange,
  FLAG,
  FRAME,
  frame,
  grpcExchange,
  grpcMessage,
  grpcRequests,
  parseFrames,
  PREFACE,
} from './raw-clients.js';

const GET_FLOWS = '/observer.Observer/GetFlows';
const SERVER_STATUS = '/observer.Observer/ServerStatus';
const HTTP2_SETTINGS_MAX_CONCURRENT_STREAMS = 0x3;
const HTTP2_REFUSED_STREAM = 0x7;
const GRPC_OK = 0;

// Bytes that are not a GetFlowsRequest, each for its own reason.
const UNDECODABLE: [string, number[]][] = [
  ['a truncated varint', [0x08, 0xff]],
  ['wire type 7', [0x0f]],
  ['a length running past the end', [0x2a, 0x7f, 0x01]],
  ['an end-group tag without a group', [0x0c]],
  ['a nested filter with a truncated length', [0x32, 0x05, 0x0a, 0x7f]],
];

function services(): ServiceBinding[] {
  const store = new FlowStore({});
  store.pushFlow(makeFlow());
  const observer = createObserverService({ store, nodeName: 'node-1', version: 'hostile-test', startedAtMs: Date.now() });
  const health = new HealthStatusRegistry();
  health.setCaptureRunning(true);
  return [
    { definition: observerService, implementation: observer.handlers },
    { definition: healthService, implementation: new HealthService(health).implementation() },
  ];
}

function encodeGetFlowsRequest(request: object): Buffer {
  const type = protoRoot.lookupType('observer.GetFlowsRequest');
  return Buffer.from(type.encode(type.fromObject(request)).finish());
}

function openSession(port: number): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = http2Connect(`http://127.0.0.1:${port}`);
    session.once('connect', () => resolve(session));
    session.once('error', reject);
  });
}

describe('the gRPC server with its limits', () => {
  let listeners: RunningListeners;
  let session: ClientHttp2Session;
  beforeAll(async () => {
    listeners = await startListeners({ services: services(), tcpAddress: '127.0.0.1:0' });
    session = await openSession(listeners.tcpPort!);
  });
  afterAll(async () => {
    session.destroy();
    await listeners.stop(1_000);
  });

  const stillServes = async (): Promise<void> => {
    const answer = await grpcExchange(session, GET_FLOWS, grpcMessage(encodeGetFlowsRequest({ number: 1 })));
    expect(answer.status).toBe(GRPC_OK);
  };

  for (const [what, bytes] of UNDECODABLE) {
    it(`answers GetFlows with ${what} INVALID_ARGUMENT with the reason, then still serves`, async () => {
      const answer = await grpcExchange(session, GET_FLOWS, grpcMessage(Buffer.from(bytes)));
      expect(answer.status).toBe(grpc.status.INVALID_ARGUMENT);
      expect(answer.message).toMatch(/^the request to \/observer\.Observer\/GetFlows is not a valid protobuf message: ./);
      await stillServes();
    });
  }

  it('answers a unary method with undecodable bytes INVALID_ARGUMENT too', async () => {
    const answer = await grpcExchange(session, SERVER_STATUS, grpcMessage(Buffer.from([0x0f])));
    expect(answer.status).toBe(grpc.status.INVALID_ARGUMENT);
    expect(answer.message).toMatch(/ServerStatus is not a valid protobuf message/);
  });

  it('accepts a GetFlowsRequest far larger than any real one, and refuses one over the receive limit', async () => {
    const filter = {
      source_ip: Array.from({ length: 50 }, (_, i) => `198.18.${i}.0/24`),
      destination_pod: Array.from({ length: 50 }, (_, i) => `namespace-${i}/pod-name-${i}`),
      source_label: Array.from({ length: 20 }, (_, i) => `app.kubernetes.io/name=service-${i}`),
      destination_port: Array.from({ length: 50 }, (_, i) => String(1000 + i)),
      protocol: ['tcp', 'udp', 'icmp'],
    };
    const large = encodeGetFlowsRequest({ number: 1, whitelist: Array.from({ length: 20 }, () => filter), blacklist: [filter] });
    expect(large.length).toBeGreaterThan(50_000);
    expect(large.length).toBeLessThan(MAX_RECEIVE_MESSAGE_BYTES / 8);
    expect((await grpcExchange(session, GET_FLOWS, grpcMessage(large))).status).toBe(GRPC_OK);

    const oversized = await grpcExchange(session, GET_FLOWS, grpcMessage(Buffer.alloc(MAX_RECEIVE_MESSAGE_BYTES + 1)));
    expect(oversized.status).toBe(grpc.status.RESOURCE_EXHAUSTED);
    // A length prefix that only claims to be large is refused before any payload arrives.
    const claimed = await grpcExchange(session, GET_FLOWS, grpcMessage(Buffer.alloc(0), { declaredLength: 0xffffffff }));
    expect(claimed.status).toBe(grpc.status.RESOURCE_EXHAUSTED);
    await stillServes();
  });

  it('answers an unknown service or method UNIMPLEMENTED', async () => {
    expect((await grpcExchange(session, '/no.Such/Service', grpcMessage(Buffer.alloc(0)))).status).toBe(grpc.status.UNIMPLEMENTED);
    expect((await grpcExchange(session, '/observer.Observer/NoSuchMethod', grpcMessage(Buffer.alloc(0)))).status).toBe(grpc.status.UNIMPLEMENTED);
  });

  it(`advertises ${MAX_CONCURRENT_STREAMS} concurrent streams per connection and refuses the streams of a client that ignores it`, async () => {
    const opened = 3 * MAX_CONCURRENT_STREAMS;
    const follow = grpcMessage(encodeGetFlowsRequest({ follow: true }));
    const result = await exchange(dialTcp(listeners.tcpPort!), [grpcRequests(GET_FLOWS, Array.from({ length: opened }, () => follow))], {
      timeoutMs: 3_000,
    });
    const frames = parseFrames(result.received);
    const settings = frames.find((f) => f.type === FRAME.SETTINGS && (f.flags & FLAG.ACK) === 0)!;
    const advertised = new Map<number, number>();
    for (let i = 0; i + 6 <= settings.payload.length; i += 6) advertised.set(settings.payload.readUInt16BE(i), settings.payload.readUInt32BE(i + 2));
    expect(advertised.get(HTTP2_SETTINGS_MAX_CONCURRENT_STREAMS)).toBe(MAX_CONCURRENT_STREAMS);
    const refused = frames.filter((f) => f.type === FRAME.RST_STREAM && f.payload.readUInt32BE(0) === HTTP2_REFUSED_STREAM);
    expect(refused.length).toBeGreaterThanOrEqual(opened - MAX_CONCURRENT_STREAMS);
    await stillServes();
  });
});

describe('dead connections', () => {
  it('closes a half-open connection that stops answering keepalive pings', async () => {
    const listeners = await startListeners({
      services: services(),
      tcpAddress: '127.0.0.1:0',
      serverOptions: { 'grpc.keepalive_time_ms': 300, 'grpc.keepalive_timeout_ms': 300 },
    });
    try {
      // The client says hello and then nothing: it never acknowledges the server's pings.
      const result = await exchange(dialTcp(listeners.tcpPort!), [PREFACE, EMPTY_SETTINGS], { timeoutMs: 5_000 });
      expect(parseFrames(result.received).some((f) => f.type === FRAME.PING && (f.flags & FLAG.ACK) === 0)).toBe(true);
      expect(result.closedByPeer).toBe(true);
      expect(result.elapsedMs).toBeLessThan(4_000);
    } finally {
      await listeners.stop(1_000);
    }
  });

  it('sends GOAWAY on a connection without streams once the idle time is over, and closes it', async () => {
    const listeners = await startListeners({ services: services(), tcpAddress: '127.0.0.1:0', serverOptions: { 'grpc.max_connection_idle_ms': 300 } });
    try {
      const settingsAck = frame(FRAME.SETTINGS, FLAG.ACK, 0);
      const result = await exchange(dialTcp(listeners.tcpPort!), [PREFACE, EMPTY_SETTINGS, settingsAck], { timeoutMs: 5_000 });
      expect(parseFrames(result.received).some((f) => f.type === FRAME.GOAWAY)).toBe(true);
      expect(result.closedByPeer).toBe(true);
      expect(result.elapsedMs).toBeLessThan(4_000);
      // A real client reconnects and is served.
      const client = new hubbleProtos.observer.Observer(`127.0.0.1:${listeners.tcpPort}`, grpc.credentials.createInsecure());
      try {
        await new Promise<void>((resolve, reject) =>
          (client as unknown as { ServerStatus: (r: object, cb: (e: Error | null) => void) => void }).ServerStatus({}, (e) => (e ? reject(e) : resolve())),
        );
      } finally {
        client.close();
      }
    } finally {
      await listeners.stop(1_000);
    }
  });
});

import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { generateCertificates } from '../src/certs/generate.js';
import { encodeFlow } from '../src/proto/flow-encoder.js';
import { tlsServerName } from '../src/peers/server-name.js';
import type { Flow } from '../src/proto/flow.js';
import { observerService, protoRoot } from '../src/proto/load.js';
import { flowResponseBytes } from '../src/proto/get-flows-response.js';
import { startListeners } from '../src/server/listeners.js';
import { createObserverService } from '../src/server/observer.js';
import { writeWindowInterceptor } from '../src/server/write-window.js';
import { FlowStore } from '../src/store/flow-store.js';

// Server CPU per streamed message in grpc-js, over mTLS on loopback, for ways of writing a
// server stream, and for the agent's own GetFlows from a full store:
// `node dist/bench/grpc-stream-cost.js [messages]`. The client runs in a child process and keeps
// each message as bytes, so only the server's own work is measured (process.cpuUsage()).

const NODE = 'bench-node';
const CLUSTER = 'default';
const METHOD = '/bench.Stream/Messages';
const DEFAULT_MESSAGES = 65_535;
const RUNS = 3;
const GET_FLOWS = '/observer.Observer/GetFlows';
const requestType = protoRoot.lookupType('observer.GetFlowsRequest');

const identity = (value: Buffer): Buffer => value;
const definition: grpc.ServiceDefinition = {
  Messages: {
    path: METHOD,
    requestStream: false,
    responseStream: true,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};

type Writer = (call: grpc.ServerWritableStream<Buffer, Buffer>, message: Buffer, count: number) => void;

/** write() until it returns false, then wait for 'drain' (16 messages: the stream's high-water mark). */
const untilFalse: Writer = (call, message, count) => {
  let sent = 0;
  const pump = (): void => {
    while (sent < count) {
      sent++;
      if (!call.write(message)) {
        call.once('drain', pump);
        return;
      }
    }
    call.end();
  };
  pump();
};

/** write() past the high-water mark until `queued` messages wait in the stream, then 'drain'. */
const queueOf =
  (queued: number): Writer =>
  (call, message, count) => {
    let sent = 0;
    const pump = (): void => {
      while (sent < count) {
        sent++;
        if (!call.write(message) && call.writableLength >= queued) {
          call.once('drain', pump);
          return;
        }
      }
      call.end();
    };
    pump();
  };

interface Variant {
  name: string;
  writer: Writer;
  interceptors: grpc.ServerInterceptor[];
}

const VARIANTS: Variant[] = [
  { name: 'write until false, then drain', writer: untilFalse, interceptors: [] },
  { name: 'queue of 256 in the call, then drain', writer: queueOf(256), interceptors: [] },
  { name: 'write window 32 (interceptor), until false', writer: untilFalse, interceptors: [writeWindowInterceptor(32)] },
  { name: 'write window 128 (interceptor), until false', writer: untilFalse, interceptors: [writeWindowInterceptor(128)] },
  { name: 'write window 512 (interceptor), until false', writer: untilFalse, interceptors: [writeWindowInterceptor(512)] },
];

function sampleFlow(): Flow {
  return {
    time: { seconds: 1_700_000_000, nanos: 123_456_789 },
    uuid: '6f1c1c1e-2b7e-4c1a-9a77-0c1f3f0b9e11',
    verdict: 'FORWARDED' as const,
    IP: { source: '198.18.0.1', destination: '198.18.0.2', ipVersion: 'IPv4' as const },
    l4: { UDP: { source_port: 40_000, destination_port: 45_001 } },
    source: { identity: 2, labels: ['reserved:world'] },
    destination: { identity: 2, labels: ['reserved:world'] },
    Type: 'L3_L4' as const,
    node_name: NODE,
    event_type: { type: 4, sub_type: 0 },
    traffic_direction: 'EGRESS' as const,
    trace_observation_point: 'TO_NETWORK' as const,
    is_reply: { value: false },
    interface: { index: 7, name: 'fl-bench-a' },
    Summary: 'UDP',
  };
}

function sampleMessage(): Buffer {
  const flow = sampleFlow();
  return flowResponseBytes(encodeFlow(flow), NODE, flow.time!);
}

async function runClient(address: string, certDir: string, count: number, method: string, request: Buffer): Promise<void> {
  const credentials = grpc.credentials.createSsl(
    readFileSync(join(certDir, 'ca.crt')),
    readFileSync(join(certDir, 'client.key')),
    readFileSync(join(certDir, 'client.crt')),
  );
  const client = new grpc.Client(address, credentials, { 'grpc.ssl_target_name_override': tlsServerName(NODE, CLUSTER) });
  let received = 0;
  await new Promise<void>((resolve, reject) => {
    const call = client.makeServerStreamRequest(method, identity, identity, request);
    call.on('data', () => received++);
    call.on('error', reject);
    call.on('end', resolve);
  });
  client.close();
  if (received !== count) throw new Error(`received ${received} of ${count}`);
}

async function measure(variant: Variant, certs: ReturnType<typeof generateCertificates>, certDir: string, count: number, message: Buffer): Promise<number> {
  let cpuAtStart: NodeJS.CpuUsage | undefined;
  let cpu: NodeJS.CpuUsage | undefined;
  const server = new grpc.Server({ interceptors: variant.interceptors });
  server.addService(definition, {
    Messages: (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
      cpuAtStart = process.cpuUsage();
      call.on('finish', () => {
        cpu = process.cpuUsage(cpuAtStart);
      });
      variant.writer(call, message, count);
    },
  });
  const credentials = grpc.ServerCredentials.createSsl(
    readFileSync(certs.clientCaCert),
    [{ private_key: readFileSync(certs.serverKey), cert_chain: readFileSync(certs.serverCert) }],
    true,
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', credentials, (err, bound) => (err ? reject(err) : resolve(bound))),
  );
  const code = await runClientProcess(`127.0.0.1:${port}`, certDir, count, METHOD, Buffer.alloc(0));
  server.forceShutdown();
  if (code !== 0 || cpu === undefined) throw new Error(`${variant.name}: the client failed (exit ${code})`);
  return (cpu.user + cpu.system) / count;
}

async function runClientProcess(address: string, certDir: string, count: number, method: string, request: Buffer): Promise<number | null> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), 'client', address, certDir, String(count), method, request.toString('hex')], {
    stdio: 'inherit',
  });
  return new Promise<number | null>((resolve) => child.on('exit', resolve));
}

/**
 * The agent's own GetFlows (observer service, listeners with their limits and write window)
 * reading a full store of `capacity` flows: server CPU per flow and flows per second, for the
 * first read (every flow encoded) and the second (encodings cached in the store).
 */
async function measureObserver(certs: ReturnType<typeof generateCertificates>, certDir: string, capacity: number): Promise<string[]> {
  const store = new FlowStore({ capacity });
  for (let i = 0; i < capacity; i++) store.pushFlow({ ...sampleFlow(), uuid: `flow-${i}`, time: { seconds: 1_700_000_000 + i, nanos: 0 } });
  const observer = createObserverService({ store, nodeName: NODE, version: 'bench', startedAtMs: Date.now() });
  const credentials = grpc.ServerCredentials.createSsl(
    readFileSync(certs.clientCaCert),
    [{ private_key: readFileSync(certs.serverKey), cert_chain: readFileSync(certs.serverCert) }],
    true,
  );
  const listeners = await startListeners({ services: [{ definition: observerService, implementation: observer.handlers }], tcpAddress: '127.0.0.1:0', tcpCredentials: credentials });
  const request = Buffer.from(requestType.encode(requestType.fromObject({ number: capacity })).finish());
  const lines: string[] = [];
  try {
    for (const read of ['first read, encoding each flow', 'second read, encodings cached']) {
      const cpuAtStart = process.cpuUsage();
      const started = performance.now();
      const code = await runClientProcess(`127.0.0.1:${listeners.tcpPort}`, certDir, capacity, GET_FLOWS, request);
      const elapsedMs = performance.now() - started;
      const cpu = process.cpuUsage(cpuAtStart);
      if (code !== 0) throw new Error(`GetFlows client failed (exit ${code})`);
      lines.push(
        `  agent GetFlows, ${read}: ${((cpu.user + cpu.system) / capacity).toFixed(2)} µs/flow of server CPU, ` +
          `${Math.round(capacity / (elapsedMs / 1000))} flows/s (client start-up included)`,
      );
    }
  } finally {
    await listeners.stop(0);
  }
  return lines;
}

async function main(): Promise<void> {
  const [role, address, certDir, countText, method, requestHex] = process.argv.slice(2);
  if (role === 'client') {
    await runClient(address!, certDir!, Number(countText), method!, Buffer.from(requestHex!, 'hex'));
    return;
  }
  const count = role === undefined ? DEFAULT_MESSAGES : Number(role);
  const dir = mkdtempSync(join(tmpdir(), 'flowlens-stream-cost-'));
  try {
    const certs = generateCertificates({ outDir: dir, nodeName: NODE, clusterName: CLUSTER, ips: [], validDays: 1 });
    for (const [from, to] of [[certs.caCert, 'ca.crt'], [certs.clientCert, 'client.crt'], [certs.clientKey, 'client.key']] as const) {
      if (from !== join(dir, to)) copyFileSync(from, join(dir, to));
    }
    const message = sampleMessage();
    console.log(`${count} messages of ${message.length} bytes each, over mTLS on loopback; server CPU per message:`);
    for (const variant of VARIANTS) {
      const runs: number[] = [];
      for (let run = 0; run < RUNS; run++) runs.push(await measure(variant, certs, dir, count, message));
      runs.sort((a, b) => a - b);
      console.log(`  ${variant.name}: ${runs[1]!.toFixed(2)} µs/msg (runs ${runs.map((r) => r.toFixed(2)).join(', ')})`);
    }
    for (const line of await measureObserver(certs, dir, count)) console.log(line);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();

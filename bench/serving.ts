import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type * as grpc from '@grpc/grpc-js';
import { generateCertificates } from '../src/certs/generate.js';
import { tlsServerName } from '../src/peers/server-name.js';
import { BENCH_NODE_NAME, startAgent, type AgentProcess } from './agent-process.js';
import { atCleanup } from './cleanup.js';
import { FlowStream, observerClient, serverStatus, type ClientTls } from './flow-stream.js';
import { runUdpLoad, startLoadServer } from './loadgen.js';
import { median } from './median.js';
import { CpuWindow, processRssBytes } from './process-stats.js';
import { progress } from './progress.js';
import type { PodPair } from './topology.js';

// Measurement 4: serving a full store over mTLS on loopback, to one client and to eight
// concurrent follow clients, and the agent's memory with a small and a large store.

const CLUSTER_NAME = 'default';
const FULL_CAPACITY = 65_535;
const SMALL_CAPACITY = 4_095;
const FOLLOW_CLIENTS = 8;
const SINGLE_CLIENT_RUNS = 3;
const QUICK_SINGLE_CLIENT_RUNS = 1;
const PORT_BASE = 45_000;
const PORTS = 32;
const FILL_RATE = 20_000;
const FILL_SOCKETS = 1_024;
const FILL_ATTEMPTS = 5;
const FILL_WAIT_MS = 20_000;
const FILL_POLL_MS = 200;
const STREAM_TIMEOUT_MS = 120_000;
// Start-up allocations settle (module loading, first timers) before the empty figure is read.
const RSS_SETTLE_MS = 2_000;
const SERVER_MAX_MS = 600_000;

export interface ServingRun {
  capacity: number;
  /** Flows/s of GetFlows(number = capacity) to one client, median of SINGLE_CLIENT_RUNS. */
  oneClientFlowsPerSecond: number;
  oneClientRuns: number[];
  /** Flows/s summed over FOLLOW_CLIENTS follow clients, each receiving the whole store. */
  followClientsFlowsPerSecond: number;
  followClients: number;
  /** followClientsFlowsPerSecond ÷ oneClientFlowsPerSecond. */
  scaling: number;
  coresOneClient: Record<string, number>;
  coresFollowClients: Record<string, number>;
  /** small: the default store of SMALL_CAPACITY, full: FULL_CAPACITY; idle: just started, full: store filled. */
  rssBytes: { smallIdle: number; smallFull: number; fullIdle: number; fullFull: number };
  /** rssBytes.fullFull ÷ rssBytes.smallFull. */
  rssRatio: number;
}

/** Sends one-record-per-packet traffic until the agent's store holds `capacity` flows. */
async function fillStore(pair: PodPair, client: grpc.Client, capacity: number): Promise<void> {
  for (let attempt = 0; attempt < FILL_ATTEMPTS; attempt++) {
    // Each datagram is seen on both host-side veths: two flows.
    const datagrams = Math.ceil(capacity / 2) + 1_000;
    await runUdpLoad(pair, { portBase: PORT_BASE, ports: PORTS, rate: FILL_RATE, count: datagrams, maxMs: Math.ceil((datagrams / FILL_RATE) * 1000) + 2_000, sockets: FILL_SOCKETS });
    const deadline = performance.now() + FILL_WAIT_MS;
    while (performance.now() < deadline) {
      const status = await serverStatus(client);
      if ((status.num_flows ?? 0) >= capacity) return;
      await delay(FILL_POLL_MS);
    }
  }
  throw new Error(`the agent's store did not fill to ${capacity} flows`);
}

async function streamAll(client: grpc.Client, capacity: number, follow: boolean): Promise<FlowStream> {
  const stream = new FlowStream(client, { number: capacity, follow });
  const deadline = performance.now() + STREAM_TIMEOUT_MS;
  if (follow) {
    while (stream.flows < capacity && performance.now() < deadline) await delay(5);
    if (stream.flows < capacity) throw new Error(`a follow client got ${stream.flows} of ${capacity} flows`);
  } else {
    await stream.ended;
  }
  return stream;
}

function flowsPerSecond(flows: number, ms: number): number {
  return ms > 0 ? Math.round(flows / (ms / 1000)) : 0;
}

async function agentWithStore(pair: PodPair, capacity: number, tls: { certFile: string; keyFile: string; clientCaFile: string }, clientTls: ClientTls) {
  const agent: AgentProcess = await startAgent({ mode: 'tracer', interfaces: [pair.hostIfA, pair.hostIfB], bufferCapacity: capacity, aggregate: false, tls });
  const client = observerClient(`127.0.0.1:${agent.grpcPort}`, clientTls);
  await delay(RSS_SETTLE_MS);
  const idleRss = processRssBytes(agent.pid);
  try {
    await fillStore(pair, client, capacity);
  } catch (err) {
    client.close();
    await agent.stop();
    throw err;
  }
  await delay(RSS_SETTLE_MS);
  return { agent, client, idleRss, fullRss: processRssBytes(agent.pid) };
}

export async function measureServing(pair: PodPair, options: { quick: boolean }): Promise<ServingRun> {
  const singleClientRuns = options.quick ? QUICK_SINGLE_CLIENT_RUNS : SINGLE_CLIENT_RUNS;
  const dir = mkdtempSync(join(tmpdir(), 'flowlens-bench-certs-'));
  atCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const certs = generateCertificates({ outDir: dir, nodeName: BENCH_NODE_NAME, clusterName: CLUSTER_NAME, ips: [], validDays: 1 });
  const tls = { certFile: certs.serverCert, keyFile: certs.serverKey, clientCaFile: certs.clientCaCert };
  const clientTls: ClientTls = { caFile: certs.caCert, certFile: certs.clientCert, keyFile: certs.clientKey, serverName: tlsServerName(BENCH_NODE_NAME, CLUSTER_NAME) };
  const server = await startLoadServer(pair, PORT_BASE, PORTS, SERVER_MAX_MS);
  try {
    const small = await agentWithStore(pair, SMALL_CAPACITY, tls, clientTls);
    small.client.close();
    await small.agent.stop();
    progress(`serving: RSS with ${SMALL_CAPACITY} flows ${(small.fullRss / 2 ** 20).toFixed(0)} MiB`);

    const full = await agentWithStore(pair, FULL_CAPACITY, tls, clientTls);
    try {
      const oneClientRuns: number[] = [];
      const oneCpu = new CpuWindow({ agent: full.agent.pid });
      for (let run = 0; run < singleClientRuns; run++) {
        const started = performance.now();
        const stream = await streamAll(full.client, FULL_CAPACITY, false);
        oneClientRuns.push(flowsPerSecond(stream.flows, stream.lastMessageAtMs - started));
      }
      const coresOneClient = oneCpu.finish();

      const clients = Array.from({ length: FOLLOW_CLIENTS }, () => observerClient(`127.0.0.1:${full.agent.grpcPort}`, clientTls));
      const followCpu = new CpuWindow({ agent: full.agent.pid });
      const started = performance.now();
      const streams = await Promise.all(clients.map((client) => streamAll(client, FULL_CAPACITY, true)));
      const lastMs = Math.max(...streams.map((stream) => stream.lastMessageAtMs));
      const coresFollowClients = followCpu.finish();
      for (const stream of streams) stream.cancel();
      for (const client of clients) client.close();
      const total = streams.reduce((sum, stream) => sum + stream.flows, 0);
      const oneClientFlowsPerSecond = median(oneClientRuns);
      const followClientsFlowsPerSecond = flowsPerSecond(total, lastMs - started);
      const result: ServingRun = {
        capacity: FULL_CAPACITY,
        oneClientFlowsPerSecond,
        oneClientRuns,
        followClientsFlowsPerSecond,
        followClients: FOLLOW_CLIENTS,
        scaling: followClientsFlowsPerSecond / oneClientFlowsPerSecond,
        coresOneClient,
        coresFollowClients,
        rssBytes: { smallIdle: small.idleRss, smallFull: small.fullRss, fullIdle: full.idleRss, fullFull: full.fullRss },
        rssRatio: full.fullRss / small.fullRss,
      };
      progress(
        `serving: one client ${oneClientFlowsPerSecond} flows/s, ${FOLLOW_CLIENTS} follow clients ${followClientsFlowsPerSecond} flows/s, ` +
          `RSS with ${FULL_CAPACITY} flows ${(full.fullRss / 2 ** 20).toFixed(0)} MiB`,
      );
      return result;
    } finally {
      full.client.close();
      await full.agent.stop();
    }
  } finally {
    await server.stop();
  }
}

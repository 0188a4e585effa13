import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerStatusResponse } from '../../src/proto/observer.js';
import { hubbleProtos } from '../../src/proto/load.js';
import { isolatedAgentFlags, startAgentProcess, type AgentProcess } from '../helpers/agent-process.js';
import { finished, nodeScriptArgv, spawnInNamespace } from '../helpers/namespace-process.js';
import { createPodPair, type PodPair } from '../helpers/netns.js';
import { rawGetFlows, type RawGetFlows } from './raw-get-flows.js';

// A real agent (tracer mode, one flow per packet) on the veths of two pod namespaces. Fifty
// follow clients open GetFlows on connections of their own with a 1 KiB flow-control window and
// never read, while one pod floods the other with UDP datagrams (bounded in count and time).
// The agent's memory grows by at most STUCK_CLIENT_BOUND_BYTES per stuck client, a healthy
// follower gets every flow or an exact lost_events count for it, and a stuck client that starts
// reading again is told exactly how many it missed.

const BUFFER_CAPACITY = 4095;
const STUCK_CLIENTS = 50;
const STUCK_WINDOW_BYTES = 1024;
const HEALTHY_WINDOW_BYTES = 1024 * 1024;
const FILL_DATAGRAMS = 5_000;
const FLOOD_DATAGRAMS = 60_000;
const DATAGRAMS_PER_SECOND = 10_000;
const FLOOD_TIMEOUT_MS = 60_000;
const SETTLE_MS = 30_000;
const QUIET_MS = 1_000;
const STUCK_CLIENT_BOUND_BYTES = 1024 * 1024;
const RSS_BOUND_BYTES = 384 * 1024 * 1024;
const POLL_MS = 50;
const OPEN_ATTEMPTS = 5;

// Datagrams at a fixed pace from 16 sockets to 256 ports; nothing listens, so each is a flow on
// both host veths (plus the ICMP errors the kernel rate-limits).
const FLOOD = `
import dgram from 'node:dgram';
const [host, count, perSecond] = process.argv.slice(-3).map((v, i) => (i === 0 ? v : Number(v)));
const sockets = Array.from({ length: 16 }, () => dgram.createSocket('udp4'));
sockets.forEach((s) => s.on('error', () => {}));
const payload = Buffer.alloc(32);
let sent = 0;
const tick = 20;
await new Promise((resolve) => {
  const timer = setInterval(() => {
    const batch = Math.min(count - sent, Math.ceil((perSecond * tick) / 1000));
    for (let k = 0; k < batch; k++, sent++) sockets[sent % sockets.length].send(payload, 46000 + (sent % 256), host);
    if (sent >= count) { clearInterval(timer); resolve(); }
  }, tick);
});
await new Promise((r) => setTimeout(r, 200));
sockets.forEach((s) => s.close());
console.log(String(sent));`;

function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for ${pid}`);
  return Number(match[1]) * 1024;
}

function seenFlows(client: grpc.Client): Promise<number> {
  return new Promise((resolve, reject) => {
    (client as unknown as { ServerStatus(r: object, o: grpc.CallOptions, cb: (e: Error | null, s: ServerStatusResponse) => void): void }).ServerStatus(
      {},
      { deadline: Date.now() + 10_000 },
      (err, status) => (err ? reject(err) : resolve(status.seen_flows ?? 0)),
    );
  });
}

async function waitUntil(what: string, condition: () => boolean | Promise<boolean>, timeoutMs: number, detail: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${detail()}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** The store's event count once it has stopped changing for QUIET_MS. */
async function settledSeen(client: grpc.Client): Promise<number> {
  let last = await seenFlows(client);
  const deadline = Date.now() + SETTLE_MS;
  for (;;) {
    await new Promise((r) => setTimeout(r, QUIET_MS));
    const now = await seenFlows(client);
    if (now === last || Date.now() > deadline) return now;
    last = now;
  }
}

async function flood(pair: PodPair, datagrams: number): Promise<void> {
  const child = spawnInNamespace(pair.nsA, nodeScriptArgv(FLOOD, [pair.ipB, datagrams, DATAGRAMS_PER_SECOND]));
  expect(Number((await finished(child, 'UDP flood', FLOOD_TIMEOUT_MS)).trim())).toBe(datagrams);
}

interface FollowRun {
  healthy: RawGetFlows;
  stuck: RawGetFlows[];
  /** The store's event count when the followers opened. */
  start: number;
  /** Events the store took during the run. */
  pushed: number;
}

describe('a real agent with fifty stuck follow clients during a flood', () => {
  let pair: PodPair;
  let agent: AgentProcess;
  let status: grpc.Client;
  const raw: RawGetFlows[] = [];

  beforeAll(async () => {
    pair = createPodPair();
    try {
      agent = await startAgentProcess([
        ...isolatedAgentFlags(),
        '--capture-mode', 'tracer',
        '--capture-aggregate', 'false',
        '--hubble-buffer-capacity', String(BUFFER_CAPACITY),
        '--interfaces', `${pair.hostIfA},${pair.hostIfB}`,
      ]);
      status = new hubbleProtos.observer.Observer(`127.0.0.1:${agent.grpcPort}`, grpc.credentials.createInsecure());
    } catch (err) {
      pair.cleanup();
      throw err;
    }
  });

  afterAll(async () => {
    try {
      for (const client of raw) client.close();
      status?.close();
      await agent?.stop();
    } finally {
      pair?.cleanup();
    }
  });

  /**
   * Waits until a follower has been sent every event the store took since `start`, as a flow or
   * in a lost-events count. The store's count is read each time: a late event (an ICMP error,
   * a socket record) may still arrive after the flood settled, and a follower gets it too.
   */
  async function waitUntilAccounted(what: string, follower: RawGetFlows, start: number): Promise<void> {
    let taken = 0;
    await waitUntil(`${what} to account for every flow`, async () => {
      taken = (await seenFlows(status)) - start;
      return follower.flows + follower.lostEvents === taken;
    }, SETTLE_MS, () => `${follower.flows} flows + ${follower.lostEvents} lost of ${taken}`);
  }

  /**
   * A healthy follower and `stuckCount` stuck ones through one flood. Every follower starts at
   * the store's next event: the count is taken before they open and must be unchanged once all
   * are open (else they are opened again), so each one's starting point is known exactly. The
   * healthy follower accounts for every event: delivered, or reported lost.
   */
  async function followDuringFlood(stuckCount: number): Promise<FollowRun> {
    let opened: { start: number; healthy: RawGetFlows; stuck: RawGetFlows[] } | undefined;
    for (let attempt = 0; attempt < OPEN_ATTEMPTS && opened === undefined; attempt++) {
      const start = await seenFlows(status);
      const healthy = rawGetFlows(agent.grpcPort, { follow: true }, { windowBytes: HEALTHY_WINDOW_BYTES, reading: true });
      const stuck = Array.from({ length: stuckCount }, () => rawGetFlows(agent.grpcPort, { follow: true }, { windowBytes: STUCK_WINDOW_BYTES, reading: false }));
      raw.push(healthy, ...stuck);
      await Promise.all([healthy.opened, ...stuck.map((client) => client.opened)]);
      if ((await seenFlows(status)) === start) opened = { start, healthy, stuck };
      else for (const client of [healthy, ...stuck]) client.close();
    }
    if (opened === undefined) throw new Error(`the store never stood still while ${stuckCount + 1} followers opened`);
    const { start, healthy, stuck } = opened;
    await flood(pair, FLOOD_DATAGRAMS);
    const pushed = (await settledSeen(status)) - start;
    expect(pushed).toBeGreaterThan(2 * BUFFER_CAPACITY);
    await waitUntilAccounted('the healthy follower', healthy, start);
    healthy.close();
    return { healthy, stuck, start, pushed };
  }

  it('holds their memory bounded, keeps a healthy follower whole, and tells a stuck one exactly what it missed', async () => {
    const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
    await flood(pair, FILL_DATAGRAMS);
    await settledSeen(status);

    // The control: the same flood with only a healthy follower, so the agent's heap, ring and
    // capture buffers have grown to what this flood needs before the stuck clients come.
    const control = await followDuringFlood(0);
    const rssControl = rssBytes(agent.child.pid!);

    const withStuck = await followDuringFlood(STUCK_CLIENTS);
    const { stuck } = withStuck;
    const rssStuck = rssBytes(agent.child.pid!);
    const perStuckClient = Math.max(0, rssStuck - rssControl) / STUCK_CLIENTS;

    // The stuck clients really stopped reading: each holds no more than its window unread.
    for (const client of stuck) expect(client.stream.readableLength).toBeLessThanOrEqual(STUCK_WINDOW_BYTES);

    const woken = stuck[0]!;
    woken.read();
    await waitUntilAccounted('a stuck follower, reading again,', woken, withStuck.start);
    const share = (run: FollowRun): string => `${run.healthy.flows} of ${run.pushed} flows, ${run.healthy.lostEvents} reported lost`;
    console.log(
      `${STUCK_CLIENTS} stuck followers during a flood of ${withStuck.pushed} flows: agent RSS ${mib(rssControl)} MiB after the same flood without them, ` +
        `${mib(rssStuck)} MiB with them (${(perStuckClient / 1024).toFixed(0)} KiB per stuck client; bounds ${mib(STUCK_CLIENT_BOUND_BYTES)} MiB each, ` +
        `${mib(RSS_BOUND_BYTES)} MiB in all); healthy follower without them ${share(control)}, with them ${share(withStuck)}; ` +
        `the woken stuck one ${woken.flows} flows, ${woken.lostEvents} lost in ${woken.lostReports} reports`,
    );
    expect(rssStuck).toBeLessThan(RSS_BOUND_BYTES);
    expect(perStuckClient).toBeLessThan(STUCK_CLIENT_BOUND_BYTES);
    // The stuck clients take nothing from the healthy one (allowing for a busy machine).
    expect(withStuck.healthy.flows / withStuck.pushed).toBeGreaterThan(0.5 * (control.healthy.flows / control.pushed));
    // The woken client had been overtaken by the ring: most of the flood was lost to it, reported in few reports.
    expect(woken.lostEvents).toBeGreaterThan(withStuck.pushed - 2 * BUFFER_CAPACITY);
    expect(woken.lostReports).toBeGreaterThan(0);
    expect(woken.lostReports).toBeLessThan(10);
  }, 240_000);
});

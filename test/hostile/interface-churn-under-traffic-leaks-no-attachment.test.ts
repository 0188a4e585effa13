import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isolatedAgentFlags, startAgentProcess, type AgentProcess } from '../helpers/agent-process.js';
import { bpfObjectsHeldBy, packetSocketIfindexesOf } from '../helpers/bpf-objects.js';
import { sampleValue } from '../helpers/exposition.js';
import { createPodPair, ifindexOf, type PodPair } from '../helpers/netns.js';
import { macOf, startTupleFlood, type TupleFlood } from '../helpers/tuple-flood.js';
import { waitFor } from '../server/tls-fixture.js';

// A real agent, in each capture mode, watches two pod veths carrying a steady flood and a
// pattern that matches veth pairs the test creates and deletes in a loop (a few per round,
// in one `ip -batch`, with a few frames sent on one of them), a dozen alive at a time, for a
// bounded count and time. The agent is the
// same process throughout; once the churn settles, exactly the live interfaces are attached
// (its tcx links or AF_PACKET sockets, by ifindex, from its fd table), and once they are
// gone it holds what it held before the churn: no leaked link, socket or descriptor.

const RAWSEND = resolve(dirname(fileURLToPath(import.meta.url)), '../../native/build/fl-rawsend');
const PAIRS = 240;
// On a busy two-CPU machine a round takes a few hundred milliseconds; fewer pairs are churned
// rather than the deadline passed, but never fewer than MIN_PAIRS.
const CHURN_DEADLINE_MS = 30_000;
const MIN_PAIRS = 100;
const PAIRS_PER_ROUND = 4;
const LIVE_AT_A_TIME = 12;
const LEFT_LIVE = 5;
const FRAMES_PER_VETH = 8;
// Sockets of the test's own scrapes and the like come and go; a leak per churned pair would be hundreds.
const FD_SLACK = 16;

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Runs `ip` commands (one per line, without the `ip`) in one process. */
function ipBatch(commands: string[]): void {
  execFileSync('ip', ['-batch', '-'], { input: commands.join('\n') + '\n', stdio: ['pipe', 'ignore', 'pipe'] });
}

function quietly(fn: () => void): void {
  try {
    fn();
  } catch {
    // already gone
  }
}

/** A few broadcast frames out of `dev` (fl-rawsend); resolves when sent or when the veth vanished first. */
function sendFrames(dev: string): Promise<void> {
  const frame = `ffffffffffff020000000001 88b5 ${'00'.repeat(46)}`.replace(/ /g, '');
  return new Promise((resolve) => {
    const child = spawn(RAWSEND, [dev], { stdio: ['pipe', 'ignore', 'ignore'] });
    child.on('error', () => resolve());
    child.on('exit', () => resolve());
    child.stdin.on('error', () => undefined);
    child.stdin.end(`${frame}\n`.repeat(FRAMES_PER_VETH));
  });
}

function peerOf(host: string): string {
  return host.replace(/h(\d+)$/, 'p$1');
}

async function scrape(agent: AgentProcess): Promise<string> {
  return (await fetch(`http://127.0.0.1:${agent.metricsPort}/metrics`)).text();
}

/**
 * The ifindexes the agent captures on, once per interface. Tracer: where its tcx links are, as
 * the kernel says. Base: one AF_PACKET socket serves every interface through its filter, which
 * only the agent can read, so the interfaces are those its log says it attached and not released.
 */
function capturedIfindexes(mode: 'tracer' | 'base', agent: AgentProcess): number[] {
  if (mode === 'tracer') {
    const ifindexes = bpfObjectsHeldBy(agent.child.pid!).links.filter((link) => link.type === 'tcx').map((link) => link.ifindex!);
    return [...new Set(ifindexes)].sort((a, b) => a - b);
  }
  const attached = new Set<number>();
  for (const line of agent.logs) {
    if (line.msg === 'interface attached' || line.msg === 'interface attached after earlier failures') attached.add(Number(line.ifindex));
    else if (line.msg === 'interface released') attached.delete(Number(line.ifindex));
  }
  return [...attached].sort((a, b) => a - b);
}

/** Tracer: two tcx links per interface; base: one shared AF_PACKET socket whatever the number. */
function expectedAttachments(mode: 'tracer' | 'base', interfaces: number): number {
  return mode === 'tracer' ? 2 * interfaces : 1;
}

function attachmentCount(mode: 'tracer' | 'base', pid: number): number {
  return mode === 'tracer' ? bpfObjectsHeldBy(pid).links.filter((link) => link.type === 'tcx').length : packetSocketIfindexesOf(pid).length;
}

describe.each(['tracer', 'base'] as const)('a real agent in %s mode while veths come and go under traffic', (mode) => {
  it('stays up, ends with exactly the live interfaces attached, and leaks nothing', async () => {
    const churnId = randomBytes(3).toString('hex');
    const prefix = `flc${churnId}`;
    let pair: PodPair | undefined;
    let agent: AgentProcess | undefined;
    let flood: TupleFlood | undefined;
    const live: string[] = [];
    try {
      pair = createPodPair();
      agent = await startAgentProcess([...isolatedAgentFlags(), '--capture-mode', mode, '--interfaces', `${pair.hostIfA},${pair.hostIfB},${prefix}*`]);
      const pid = agent.child.pid!;
      const stable = [ifindexOf(pair.hostIfA), ifindexOf(pair.hostIfB)].sort((a, b) => a - b);
      await waitFor('the pod veths attached', () => capturedIfindexes(mode, agent!).join() === stable.join());
      const before = { fds: bpfObjectsHeldBy(pid).fds, attachments: attachmentCount(mode, pid) };
      flood = startTupleFlood({
        ns: pair.nsA,
        device: 'eth0',
        destinationMac: macOf(pair.nsB, 'eth0'),
        destination: pair.ipB,
        count: 2_000 * (CHURN_DEADLINE_MS / 1000 + 20),
        perSecond: 2_000,
        timeoutMs: CHURN_DEADLINE_MS + 30_000,
      });

      const deadline = Date.now() + CHURN_DEADLINE_MS;
      let created = 0;
      while (created < PAIRS && Date.now() < deadline) {
        const commands: string[] = [];
        for (let k = 0; k < PAIRS_PER_ROUND; k++, created++) {
          const [host, peer] = [`${prefix}h${created}`, `${prefix}p${created}`];
          commands.push(`link add ${host} type veth peer name ${peer}`, `link set ${host} up`, `link set ${peer} up`);
          live.push(host);
        }
        while (live.length > LIVE_AT_A_TIME) commands.push(`link del ${live.splice(Math.floor(Math.random() * live.length), 1)[0]!}`);
        ipBatch(commands);
        await sendFrames(peerOf(live.at(-1)!));
        await new Promise((r) => setTimeout(r, Math.random() * 200));
      }
      ipBatch(live.splice(0, live.length - LEFT_LIVE).map((host) => `link del ${host}`));
      expect(created).toBeGreaterThanOrEqual(MIN_PAIRS);

      const liveIfindexes = (): number[] => [...stable, ...live.flatMap((host) => [ifindexOf(host), ifindexOf(peerOf(host))])].sort((a, b) => a - b);
      await waitFor('exactly the live interfaces attached', () => capturedIfindexes(mode, agent!).join() === liveIfindexes().join(), 15_000);
      expect(attachmentCount(mode, pid)).toBe(expectedAttachments(mode, liveIfindexes().length));
      expect(sampleValue(await scrape(agent), 'flowlens_attached_interfaces')).toBe(liveIfindexes().length);

      ipBatch(live.splice(0).map((host) => `link del ${host}`));
      await waitFor('only the pod veths attached', () => capturedIfindexes(mode, agent!).join() === stable.join(), 15_000);
      const after = { fds: bpfObjectsHeldBy(pid).fds, attachments: attachmentCount(mode, pid) };
      expect(after.attachments).toBe(before.attachments);
      expect(after.fds).toBeLessThanOrEqual(before.fds + FD_SLACK);

      const readBefore = sampleValue(await scrape(agent), 'flowlens_native_records_read_total') ?? 0;
      await waitFor('capture to go on', async () => (sampleValue(await scrape(agent!), 'flowlens_native_records_read_total') ?? 0) > readBefore + 1_000);
      const text = await scrape(agent);
      expect(agent.child.exitCode).toBeNull();
      expect(agent.child.pid).toBe(pid);
      expect(sampleValue(text, 'flowlens_capture_errors_total')).toBe(0);
      // The churn reached the agent: a good share of the churned interfaces lived long enough to be attached.
      const attachedChurned = agent.logs.filter((line) => line.msg === 'interface attached' && String(line.iface).startsWith(prefix)).length;
      expect(attachedChurned).toBeGreaterThan(created / 2);
      console.log(
        `agent (${mode}): ${created} veth pairs (${2 * created} interfaces) churned under traffic, ${attachedChurned} attached while they lived; attachments ${before.attachments} -> ${after.attachments}, fds ${before.fds} -> ${after.fds}; leaked 0`,
      );
    } finally {
      flood?.stop();
      await flood?.done.catch(() => undefined);
      await agent?.stop();
      for (const name of readdirSync('/sys/class/net').filter((n) => n.startsWith(prefix))) quietly(() => ip('link', 'del', name));
      pair?.cleanup();
    }
  }, 120_000);
});

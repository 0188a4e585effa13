import { describe, expect, it } from 'vitest';
import { isolatedAgentFlags, startAgentProcess, type AgentProcess } from '../helpers/agent-process.js';
import { agentTcFilters, bpfObjectsHeldBy, stillExisting, type HeldBpfObjects } from '../helpers/bpf-objects.js';
import { sampleValue } from '../helpers/exposition.js';
import { createPodPair, ifindexOf, type PodPair } from '../helpers/netns.js';
import { macOf, startTupleFlood, type TupleFlood } from '../helpers/tuple-flood.js';
import { startCaptureChild, type CaptureChild } from '../native/capture-child.js';
import { waitFor } from '../server/tls-fixture.js';

// A real agent (tracer mode) on two pod veths is killed with SIGKILL while a flood of new
// flows runs through them: every BPF program, map and link it held goes with it (checked by
// id against `bpftool`, so other processes' objects never count) and no tc filter of ours is
// left. A new agent started into the same flood attaches both veths afresh and captures;
// stopped with SIGTERM, it too leaves nothing.
//
// Where tcx is missing (kernels before 6.6) the agent attaches classic clsact filters, and those
// outlive a killed process. This kernel has tcx, so a capture session of its own process, told
// to use clsact, stands in for such an agent: killed under the flood, its filters (and the
// programs and maps they hold) stay until a real agent starts on the same veths and removes them.

const FLOOD_TUPLES = 600_000;
const FLOOD_PER_SECOND = 10_000;
const FLOOD_TIMEOUT_MS = 90_000;

async function recordsRead(agent: AgentProcess): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${agent.metricsPort}/metrics`)).text();
  return sampleValue(text, 'flowlens_native_records_read_total') ?? 0;
}

function tcxLinkIfindexes(held: HeldBpfObjects): number[] {
  return held.links.filter((link) => link.type === 'tcx').map((link) => link.ifindex!).sort((a, b) => a - b);
}

describe('a real agent killed under load', () => {
  it('leaves no BPF program, map, link or tc filter behind, and a new agent attaches into the same load', async () => {
    let pair: PodPair | undefined;
    let flood: TupleFlood | undefined;
    const agents: AgentProcess[] = [];
    try {
      pair = createPodPair();
      const veths = [ifindexOf(pair.hostIfA), ifindexOf(pair.hostIfB)].sort((a, b) => a - b);
      const args = [...isolatedAgentFlags(), '--capture-mode', 'tracer', '--interfaces', `${pair.hostIfA},${pair.hostIfB}`];
      const first = await startAgentProcess(args);
      agents.push(first);
      flood = startTupleFlood({
        ns: pair.nsA,
        device: 'eth0',
        destinationMac: macOf(pair.nsB, 'eth0'),
        destination: pair.ipB,
        count: FLOOD_TUPLES,
        perSecond: FLOOD_PER_SECOND,
        timeoutMs: FLOOD_TIMEOUT_MS,
      });
      await waitFor('the first agent to capture the flood', async () => (await recordsRead(first)) > 5_000);

      const killed = bpfObjectsHeldBy(first.child.pid!);
      expect(tcxLinkIfindexes(killed)).toEqual([...veths, ...veths].sort((a, b) => a - b)); // ingress and egress each
      expect(killed.programs.length).toBeGreaterThan(0);
      expect(killed.maps.length).toBeGreaterThan(0);
      first.child.kill('SIGKILL');
      await first.stop();
      await waitFor(
        "the killed agent's programs, maps and links to go",
        () => {
          const left = stillExisting(killed);
          return left.programs.length + left.maps.length + left.links.length === 0;
        },
        15_000,
      );
      expect([...agentTcFilters(pair.hostIfA), ...agentTcFilters(pair.hostIfB)]).toEqual([]);

      const second = await startAgentProcess(args);
      agents.push(second);
      const readBefore = await recordsRead(second);
      await waitFor('the new agent to capture the flood', async () => (await recordsRead(second)) > readBefore + 5_000);
      const restarted = bpfObjectsHeldBy(second.child.pid!);
      expect(tcxLinkIfindexes(restarted)).toEqual([...veths, ...veths].sort((a, b) => a - b));

      flood.stop();
      const sent = await flood.done;
      expect(sent).toBeGreaterThan(0);
      expect(await second.stop()).toBe(0);
      const left = stillExisting(restarted);
      await waitFor("the stopped agent's programs and maps to go", () => {
        const now = stillExisting(restarted);
        return now.programs.length + now.maps.length === 0;
      });
      expect(left.links).toEqual([]); // released before it exited
      expect([...agentTcFilters(pair.hostIfA), ...agentTcFilters(pair.hostIfB)]).toEqual([]);
      console.log(
        `agent killed under a flood (${sent} tuples sent): ${killed.programs.length} programs, ${killed.maps.length} maps, ${killed.links.length} links held, 0 left; restarted agent attached ${tcxLinkIfindexes(restarted).length} tcx links, 0 left after SIGTERM`,
      );
    } finally {
      flood?.stop();
      await flood?.done.catch(() => undefined);
      for (const agent of agents) await agent.stop();
      pair?.cleanup();
    }
  }, 120_000);

  it('that attached clsact filters: the next agent removes them, and its programs and maps go', async () => {
    let pair: PodPair | undefined;
    let flood: TupleFlood | undefined;
    let killed: CaptureChild | undefined;
    let agent: AgentProcess | undefined;
    try {
      pair = createPodPair();
      const devs = [pair.hostIfA, pair.hostIfB];
      const veths = devs.map(ifindexOf);
      flood = startTupleFlood({
        ns: pair.nsA,
        device: 'eth0',
        destinationMac: macOf(pair.nsB, 'eth0'),
        destination: pair.ipB,
        count: FLOOD_TUPLES,
        perSecond: FLOOD_PER_SECOND,
        timeoutMs: FLOOD_TIMEOUT_MS,
      });
      killed = await startCaptureChild([], ['--mode', 'tracer', '--tc-attach', 'clsact', '--attach', veths.join(',')]);
      const held = bpfObjectsHeldBy(killed.process.pid!);
      expect(held.programs.length).toBeGreaterThan(0);
      killed.process.kill('SIGKILL');
      await killed.exited;
      // The filters, and through them the programs and maps, outlive the process.
      for (const dev of devs) expect(agentTcFilters(dev)).toHaveLength(2);
      expect(stillExisting(held).programs.length).toBeGreaterThan(0);

      agent = await startAgentProcess([...isolatedAgentFlags(), '--capture-mode', 'tracer', '--interfaces', devs.join(',')]);
      const readBefore = await recordsRead(agent);
      await waitFor('the agent to capture the flood', async () => (await recordsRead(agent!)) > readBefore + 5_000);
      expect(devs.flatMap(agentTcFilters)).toEqual([]);
      await waitFor('the killed session\'s programs and maps to go', () => {
        const left = stillExisting(held);
        return left.programs.length + left.maps.length + left.links.length === 0;
      }, 15_000);
      expect(tcxLinkIfindexes(bpfObjectsHeldBy(agent.child.pid!))).toEqual([...veths, ...veths].sort((a, b) => a - b));
      console.log(`clsact session killed under a flood: 4 filters, ${held.programs.length} programs, ${held.maps.length} maps outlived it; the next agent removed them, 0 left`);
    } finally {
      flood?.stop();
      await flood?.done.catch(() => undefined);
      killed?.process.kill('SIGKILL');
      await agent?.stop();
      pair?.cleanup();
    }
  }, 120_000);
});

import { describe, expect, it } from 'vitest';
import { isolatedAgentFlags, startAgentProcess, type AgentProcess } from '../helpers/agent-process.js';
import { bpfObjectsHeldBy, mapEntryCount, mapInfo } from '../helpers/bpf-objects.js';
import { findSamples, sampleValue } from '../helpers/exposition.js';
import { createPodPair, type PodPair } from '../helpers/netns.js';
import { macOf, startTupleFlood, type TupleFlood } from '../helpers/tuple-flood.js';
import { waitFor } from '../server/tls-fixture.js';

// A real agent, in each capture mode, on the host end of a pod's veth while the pod sends
// UDP datagrams from random source addresses (198.18.0.0/15) and random ports: each one a
// 5-tuple of its own, more than twice as many as the connection tables hold. The flood is
// bounded in count and time. Afterwards the agent is the same process, the reply tracker's
// connection table sits at or under its bound and counted what it forgot, the kernel's flow
// LRU (tracer mode) holds no more than its bound, and the resident memory is under
// RSS_BOUND_BYTES.

const TUPLES = 150_000;
// Each datagram is a new flow and so one record at once (two with its drop in the pod):
// a pace the ring and the poll loop keep up with, so the tables see nearly every tuple.
const TUPLES_PER_SECOND = 20_000;
const FLOOD_TIMEOUT_MS = 60_000;
const CONNECTION_TABLE_CAPACITY = 65_536;
const KERNEL_FLOW_TABLE_CAPACITY = 65_536;
const RSS_BOUND_BYTES = 512 * 1024 * 1024;

async function scrape(agent: AgentProcess): Promise<string> {
  return (await fetch(`http://127.0.0.1:${agent.metricsPort}/metrics`)).text();
}

function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}

/** Waits until the agent's count of records read stops moving: it has drained the flood. */
async function drained(agent: AgentProcess): Promise<void> {
  let last = -1;
  let steadySince = Date.now();
  await waitFor(
    'the agent to drain the flood',
    async () => {
      const read = sampleValue(await scrape(agent), 'flowlens_native_records_read_total') ?? 0;
      if (read !== last) {
        last = read;
        steadySince = Date.now();
      }
      return Date.now() - steadySince > 1_000;
    },
    30_000,
  );
}

describe.each(['tracer', 'base'] as const)('a real agent in %s mode under a flood of random 5-tuples', (mode) => {
  it('keeps its connection tables at their bounds, counts what they forgot, and its RSS under the bound', async () => {
    let pair: PodPair | undefined;
    let agent: AgentProcess | undefined;
    let flood: TupleFlood | undefined;
    try {
      pair = createPodPair();
      agent = await startAgentProcess([...isolatedAgentFlags(), '--capture-mode', mode, '--interfaces', pair.hostIfA]);
      expect(agent.modeLine.mode).toBe(mode);
      const pid = agent.child.pid!;
      const rssBefore = sampleValue(await scrape(agent), 'process_resident_memory_bytes') ?? 0;

      flood = startTupleFlood({
        ns: pair.nsA,
        device: 'eth0',
        destinationMac: macOf(pair.nsB, 'eth0'),
        destination: pair.ipB,
        count: TUPLES,
        perSecond: TUPLES_PER_SECOND,
        timeoutMs: FLOOD_TIMEOUT_MS,
      });
      expect(await flood.done).toBe(TUPLES);
      await drained(agent);

      const text = await scrape(agent);
      const value = (name: string, labels: Record<string, string> = {}): number => sampleValue(text, name, labels) ?? Number.NaN;
      expect(agent.child.exitCode).toBeNull();
      expect(agent.child.pid).toBe(pid);

      // Every datagram reached the capture, or was counted lost on the way.
      const lost = findSamples(text, 'hubble_lost_events_total').reduce((sum, sample) => sum + sample.value, 0);
      expect(value('flowlens_capture_packets_total') + lost).toBeGreaterThanOrEqual(TUPLES);
      const entries = value('flowlens_connection_table_entries');
      const capacity = value('flowlens_connection_table_capacity');
      const evictions = value('flowlens_connection_table_evictions_total');
      expect(capacity).toBe(CONNECTION_TABLE_CAPACITY);
      expect(entries).toBeLessThanOrEqual(capacity);
      expect(entries).toBeGreaterThanOrEqual(capacity / 2);
      // Every tuple learned is held or was counted as it went (a lost record teaches nothing).
      expect(entries + evictions).toBeGreaterThanOrEqual(0.95 * (TUPLES - lost));
      expect(value('flowlens_flow_store_events')).toBeLessThanOrEqual(value('flowlens_flow_store_capacity'));

      const figures = [`connection table ${entries}/${capacity}, evicted ${evictions}`, `lost ${lost}`];
      if (mode === 'tracer') {
        const flowMaps = bpfObjectsHeldBy(pid).maps.map((id) => ({ id, ...mapInfo(id) })).filter((map) => map.name === 'fl_flows');
        expect(flowMaps).toHaveLength(1);
        const [flows] = flowMaps;
        expect(flows!.maxEntries).toBe(KERNEL_FLOW_TABLE_CAPACITY);
        const held = mapEntryCount(flows!.id);
        expect(held).toBeLessThanOrEqual(flows!.maxEntries);
        figures.push(`kernel flow LRU ${held}/${flows!.maxEntries} (at least ${TUPLES - held} evicted), ${mib(flows!.memlockBytes)} MiB locked`);
      }

      const rssAfter = value('process_resident_memory_bytes');
      console.log(`agent (${mode}) under a ${TUPLES}-tuple flood: RSS ${mib(rssBefore)} -> ${mib(rssAfter)} MiB (bound ${mib(RSS_BOUND_BYTES)} MiB); ${figures.join('; ')}`);
      expect(rssAfter).toBeLessThan(RSS_BOUND_BYTES);
    } finally {
      flood?.stop();
      await flood?.done.catch(() => undefined);
      try {
        await agent?.stop();
      } finally {
        pair?.cleanup();
      }
    }
  }, 120_000);
});

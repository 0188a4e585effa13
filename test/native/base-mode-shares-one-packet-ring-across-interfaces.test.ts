import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { withCapture } from './capture-fixture.js';
import { udpSend, withUdpServer } from './pod-traffic.js';

// Base mode holds one AF_PACKET socket and one ring for every interface it captures, whatever
// their number (kernel memory per node: one ring); a classic BPF filter on the attached
// ifindexes decides which packets enter it, rebuilt when one is detached.

const PORT = 7400;
const SOURCE_PORT = 44400;

/** AF_PACKET sockets this process holds (their inodes in /proc/net/packet). */
function ourPacketSockets(): number {
  const packetInodes = new Set(
    readFileSync('/proc/net/packet', 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/)[8]),
  );
  let count = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    let target = '';
    try {
      target = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue; // closed meanwhile
    }
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode !== undefined && packetInodes.has(inode)) count++;
  }
  return count;
}

describe('base session', () => {
  it('captures two interfaces through one packet socket, and stops capturing a detached one', async () => {
    const before = ourPacketSockets();
    await withCapture({ mode: 'base', aggregate: false }, async ({ pair, session, collector, ifindexA, ifindexB }) => {
      expect(ourPacketSockets() - before).toBe(1);
      session.detach(ifindexA);
      await withUdpServer(pair.nsB, 4, PORT, () => udpSend(pair.nsA, 4, pair.ipB, PORT, 5, SOURCE_PORT));
      const ours = (ifindex: number) => (r: { ifindex: number; sourcePort: number; destinationPort: number }) =>
        r.ifindex === ifindex && r.sourcePort === SOURCE_PORT && r.destinationPort === PORT;
      await collector.waitFor(ours(ifindexB), (matching) => matching.length === 5);
      expect(collector.records.filter(ours(ifindexA))).toEqual([]);
      expect(session.stats().attached).toBe(1);
    });
  });
});

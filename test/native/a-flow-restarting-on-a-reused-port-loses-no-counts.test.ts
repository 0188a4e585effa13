import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MODES, withCapture } from './capture-fixture.js';
import { run } from './pod-traffic.js';

const RAWSEND = resolve(dirname(fileURLToPath(import.meta.url)), '../../native/build/fl-rawsend');
const SOURCE_PORT = 45123;
const DESTINATION_PORT = 8443;
const FIN = 0x01;
const SYN = 0x02;
const ACK = 0x10;

const hex = (value: number, bytes: number): string => value.toString(16).padStart(bytes * 2, '0');

/** An Ethernet frame with a TCP segment from 198.18.7.1 to 198.18.7.2, the given flags only. */
function tcpFrame(flags: number): string {
  const tcp = hex(SOURCE_PORT, 2) + hex(DESTINATION_PORT, 2) + hex(1, 4) + hex(0, 4) + '50' + hex(flags, 1) + 'ffff' + '0000' + '0000';
  const ipv4 = '4500' + hex(20 + tcp.length / 2, 2) + '0000' + '4000' + '40' + '06' + '0000' + 'c6120701' + 'c6120702';
  return 'ffffffffffff' + '020000000001' + '0800' + ipv4 + tcp;
}

describe.each(MODES)('%s session', (mode) => {
  it('reports the counts a closed flow still holds when a SYN on the same ports starts it again', async () => {
    // A report interval far longer than the test: the final ACK is reported by the restart, not a sweep.
    await withCapture({ mode, aggregate: true, reportIntervalMs: 600_000 }, async ({ pair, session, collector, ifindexA, ifindexB }) => {
      session.detach(ifindexB);
      const frames = [SYN, ACK, FIN | ACK, ACK, SYN].map(tcpFrame);
      expect(await run(pair.nsA, [RAWSEND, 'eth0'], frames.join('\n') + '\n')).toBe(`${frames.length}\n`);
      const records = await collector.waitFor(
        (r) => r.ifindex === ifindexA && r.sourcePort === SOURCE_PORT && r.destinationPort === DESTINATION_PORT,
        (rs) => rs.filter((r) => r.reason === 'new').length === 2,
      );
      expect(records.map((r) => [r.reason, r.packets])).toEqual([
        ['new', 1], // SYN
        ['flags', 2], // ACK, FIN
        ['report', 1], // the last ACK of the closed flow
        ['new', 1], // SYN of the next one
      ]);
    });
  });
});

import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MODES, withCapture } from './capture-fixture.js';
import { run, udpSend, withUdpServer } from './pod-traffic.js';

const RAWSEND = resolve(dirname(fileURLToPath(import.meta.url)), '../../native/build/fl-rawsend');
const REPEAT = 25;

const ETHERNET = 'ffffffffffff' + '020000000001';
const IPV4 = '0800';
const IPV6 = '86dd';
const QINQ = '88a8' + '0001' + '8100' + '0002';
const ADDRS_V4 = 'c6120001' + 'c6120002';
const ADDRS_V6 = '00'.repeat(32);

/** An IPv4 header: version/IHL byte, total length, protocol. */
const ipv4 = (versionIhl: string, totalLength: number, protocol: number): string =>
  versionIhl + '00' + totalLength.toString(16).padStart(4, '0') + '00000000' + '40' + protocol.toString(16).padStart(2, '0') + '0000' + ADDRS_V4;

// Each frame is wrong in one way the parser checks.
const MALFORMED_FRAMES = {
  'IPv4 header cut short': ETHERNET + IPV4 + '4500001c0000',
  'IPv4 IHL below 5': ETHERNET + IPV4 + ipv4('43', 20, 17),
  'IPv4 total length below its header': ETHERNET + IPV4 + ipv4('45', 16, 17),
  'TCP data offset below 5': ETHERNET + IPV4 + ipv4('45', 40, 6) + '0050' + '1f90' + '00000000' + '00000000' + '4002' + '0000' + '00000000',
  'UDP header beyond the IP total length': ETHERNET + IPV4 + ipv4('45', 24, 17) + '00350035' + '00000000',
  'IPv6 header cut short': ETHERNET + IPV6 + '6'.padEnd(40, '0'),
  'IPv6 ethertype with version 4': ETHERNET + IPV6 + '40000000' + '0000' + '11' + '40' + ADDRS_V6,
  'IPv6 extension header beyond the payload': ETHERNET + IPV6 + '60000000' + '0004' + '00' + '40' + ADDRS_V6 + '11000000',
  // The kernel strips the outer tag on receive; the parser walks the inner one.
  'IPv4 cut short inside 802.1AD + 802.1Q tags': ETHERNET + QINQ + IPV4 + '4500001c0000',
};

describe.each(MODES)('%s session', (mode) => {
  it('counts malformed and truncated frames as malformed, emits nothing for them, and keeps working', async () => {
    await withCapture({ mode }, async ({ pair, session, collector, ifindexB }) => {
      session.detach(ifindexB);
      const frames = Object.values(MALFORMED_FRAMES).flatMap((frame) => Array<string>(REPEAT).fill(frame));
      expect(await run(pair.nsA, [RAWSEND, 'eth0'], frames.join('\n') + '\n')).toBe(`${frames.length}\n`);
      await withUdpServer(pair.nsB, 4, 5300, () => udpSend(pair.nsA, 4, pair.ipB, 5300, 1, 43000));
      await collector.waitFor((r) => r.sourcePort === 43000, (rs) => rs.length > 0);
      expect(session.stats().malformed).toBe(frames.length);
      expect(collector.records.filter((r) => r.source === '198.18.0.1' || (r.source === '::' && r.destination === '::'))).toEqual([]);
      expect(collector.malformedBytes).toBe(0);
    });
  });
});

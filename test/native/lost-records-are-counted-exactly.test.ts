import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createPodPair, ifindexOf, type PodPair } from '../helpers/netns.js';
import { NativeSession } from '../../src/native/binding.js';
import { decodeRecords, KIND_LOST, LOST_STAGES, OFFSET_AUX, OFFSET_KIND, OFFSET_PACKETS, OFFSET_SIZE } from '../../src/native/records.js';
import { withUdpServer } from './pod-traffic.js';
import { TEST_SESSION } from './record-collector.js';

// A kernel ring buffer of one page against a flood: the capture thread drains it as fast as it
// wakes, and what the kernel could not reserve is counted per CPU and reported in the stream
// as kernel-ring loss records. Every datagram either arrives as a record or is counted lost.

const DATAGRAMS = 30_000;
const PORT = 7100;
const SMALLEST_RING_BYTES = 4096;
const SETTLE_MS = 50;
const DEADLINE_MS = 10_000;
const FLOOD = `
import dgram from 'node:dgram';
const [host, port, count] = process.argv.slice(-3);
const socket = dgram.createSocket('udp4');
let sent = 0;
function burst() {
  for (let i = 0; i < 500 && sent < Number(count); i++, sent++) socket.send('x', Number(port), host);
  if (sent < Number(count)) setImmediate(burst);
  else setTimeout(() => process.exit(0), 200);
}
burst();`;

function flood(pair: PodPair): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = pair.spawn(pair.nsA, [process.execPath, '--input-type=module', '-e', FLOOD, '--', pair.ipB, String(PORT), String(DATAGRAMS)]);
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

describe('tracer session with a ring too small for a flood', () => {
  it('reports every record the kernel could not reserve, in the stream and in the stats', async () => {
    const pair = createPodPair();
    const session = NativeSession.open({ ...TEST_SESSION, aggregate: false, ringBytes: SMALLEST_RING_BYTES });
    const buffer = Buffer.alloc(1 << 20);
    const lost = { kernel_ring: 0, packet_ring: 0, queue: 0 };
    let udp = 0;
    let all = 0;
    // Every record take hands out but loss records: traffic, and other tests' interfaces coming and going.
    let taken = 0;
    const takeAll = (): void => {
      for (let length = session.take(buffer); length > 0; length = session.take(buffer)) {
        for (let at = 0; at < length; at += buffer.readUInt16LE(at + OFFSET_SIZE)) {
          if (buffer[at + OFFSET_KIND] === KIND_LOST) lost[LOST_STAGES[buffer.readUInt32LE(at + OFFSET_AUX)]!] += Number(buffer.readBigUInt64LE(at + OFFSET_PACKETS));
          else taken++;
        }
        decodeRecords(buffer, length, (r) => {
          all++;
          if (r.protocol === 17 && r.destinationPort === PORT) udp++;
        });
      }
    };
    let stats = session.stats();
    try {
      session.attach(ifindexOf(pair.hostIfA));
      await withUdpServer(pair.nsB, 4, PORT, async () => {
        const sending = flood(pair);
        while (!(await Promise.race([sending.then(() => true), delay(5).then(() => false)]))) takeAll();
      });
      const deadline = Date.now() + DEADLINE_MS;
      for (;;) {
        takeAll();
        stats = session.stats();
        if (lost.kernel_ring === stats.lost && stats.records === taken) break;
        if (Date.now() > deadline) throw new Error(`kernel ring loss never all reported: ${JSON.stringify({ lost, all, stats })}`);
        await delay(SETTLE_MS);
      }
    } finally {
      session.close();
      pair.cleanup();
    }
    expect(stats.lost).toBeGreaterThan(0);
    expect(lost).toEqual({ kernel_ring: stats.lost, packet_ring: 0, queue: 0 });
    expect(udp).toBeLessThan(DATAGRAMS);
    // One record per IP packet attempted: each either arrived or was counted lost.
    expect(udp + stats.lost).toBeGreaterThanOrEqual(DATAGRAMS);
    expect(all + stats.lost).toBeLessThanOrEqual(stats.packets);
    expect(stats.produced).toBe(taken);
  });
});

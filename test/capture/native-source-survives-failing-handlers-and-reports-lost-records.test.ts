import { describe, expect, it } from 'vitest';
import { NativeSource } from '../../src/capture/native-source.js';
import { decodeRecords, type LostStage, type NativeRecord } from '../../src/native/records.js';
import { createPodPair, type PodPair } from '../helpers/netns.js';
import { sessionConfig, until } from './capture-session.js';
import { ping } from './pod-traffic.js';

// The take loop never dies: a handler that throws is counted and the next batch still
// arrives. When the consumer falls behind and records are lost (the kernel ring, or the
// native queue), the loss reaches the handler as lost-event counts, by stage, that add up
// to the native counters.

const FLOOD_DATAGRAMS = 30_000;
const PING_ATTEMPTS = 20;
const FLOOD = `
import dgram from 'node:dgram';
const [host, count] = process.argv.slice(-2);
const socket = dgram.createSocket('udp4');
let sent = 0;
function burst() {
  for (let i = 0; i < 500 && sent < Number(count); i++, sent++) socket.send('x', 9, host);
  if (sent < Number(count)) setImmediate(burst);
  else setTimeout(() => process.exit(0), 200);
}
burst();`;

function flood(pair: PodPair): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = pair.spawn(pair.nsA, [process.execPath, '--input-type=module', '-e', FLOOD, '--', pair.ipB, String(FLOOD_DATAGRAMS)]);
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function busyWait(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // a consumer too slow for its producer
  }
}

describe('NativeSource take loop', () => {
  it('counts a throwing handler and goes on delivering', async () => {
    const pair = createPodPair();
    const seen: NativeRecord[] = [];
    let calls = 0;
    const source = new NativeSource({
      session: sessionConfig('tracer'),
      interfaces: [pair.hostIfA, pair.hostIfB],
      handlers: {
        onRecords: (buffer, length) => {
          calls++;
          if (calls === 1) throw new Error('handler failure on purpose');
          decodeRecords(buffer, length, (record) => seen.push(record));
        },
        onLost: () => {},
      },
    });
    try {
      await source.start();
      // The first batch is thrown away by the handler; pings go on until one arrives after it.
      const pingFromA = (r: NativeRecord) => r.protocol === 1 && r.source === pair.ipA;
      for (let attempt = 0; attempt < PING_ATTEMPTS && !seen.some(pingFromA); attempt++) {
        await ping(pair, pair.ipB);
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      expect(calls).toBeGreaterThan(1);
      expect(seen.some(pingFromA)).toBe(true);
      expect(source.stats().errors).toBe(1);
    } finally {
      await source.stop();
      pair.cleanup();
    }
  });

  it('turns records the queue could not hold into lost-event counts', async () => {
    const pair = createPodPair();
    let lostReported = 0;
    const stages = new Set<LostStage>();
    const source = new NativeSource({
      session: sessionConfig('tracer', { aggregate: false, queueBytes: 64 << 10 }),
      interfaces: [pair.hostIfA, pair.hostIfB],
      handlers: {
        onRecords: () => busyWait(50),
        onLost: (count, stage) => {
          lostReported += count;
          stages.add(stage);
        },
      },
    });
    try {
      await source.start();
      await flood(pair);
      await until('lost records to be reported', () => lostReported > 0);
    } finally {
      await source.stop();
      pair.cleanup();
    }
    expect(lostReported).toBe(source.stats().lost);
    expect(stages.has('queue')).toBe(true);
  });
});

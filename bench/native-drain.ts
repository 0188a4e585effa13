// The ceiling for measurement 3, run as its own process: a native capture session like the
// agent's, drained by NativeSession.take in a loop (a short sleep when the queue is empty), with or without decoding the
// records, and nothing else. Prints {"ready":true} once attached, {"t":<ms since the epoch>,
// "records":<so far>} every SAMPLE_INTERVAL_MS, and its totals on SIGTERM.
//
//   node dist/bench/native-drain.js <tracer|base> <decode|raw> <ifname>[,<ifname>...]
import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { NativeSession } from '../src/native/binding.js';
import { decodeRecords, KIND_LOST, OFFSET_KIND, OFFSET_SIZE } from '../src/native/records.js';

// The agent's own settings (src/main.ts, src/capture/native-source.ts), per packet.
const RING_BYTES = 4 << 20;
const FLOW_TABLE_SIZE = 65_536;
const BUFFER_BYTES = 1 << 20;
const EMPTY_PAUSE_MS = 5;
const SAMPLE_INTERVAL_MS = 100;

const [mode, decoding, interfaceList] = process.argv.slice(2);
if ((mode !== 'tracer' && mode !== 'base') || (decoding !== 'decode' && decoding !== 'raw') || !interfaceList) {
  process.stderr.write('usage: native-drain <tracer|base> <decode|raw> <ifname>[,<ifname>...]\n');
  process.exit(2);
}

const session = NativeSession.open({
  mode,
  aggregate: false,
  reportIntervalMs: 5000,
  flowTableSize: FLOW_TABLE_SIZE,
  ringBytes: RING_BYTES,
  skipPorts: [],
  payloadPorts: [],
  captureDrops: true,
});
for (const name of interfaceList.split(',')) session.attach(Number(readFileSync(`/sys/class/net/${name}/ifindex`, 'utf8').trim()));

const buffer = Buffer.alloc(BUFFER_BYTES);
let records = 0;
let running = true;
const countDecoded = (): void => {
  records++;
};

process.once('SIGTERM', () => {
  running = false;
});
process.stdout.write('{"ready":true}\n');
const sampler = setInterval(() => process.stdout.write(`{"t":${Date.now()},"records":${records}}\n`), SAMPLE_INTERVAL_MS);

while (running) {
  const bytes = session.take(buffer);
  if (bytes === 0) {
    await delay(EMPTY_PAUSE_MS);
    continue;
  }
  if (decoding === 'decode') {
    decodeRecords(buffer, bytes, countDecoded);
    continue;
  }
  // Each record starts with its size: counting them is a walk, not a decode.
  for (let at = 0, size = 0; at < bytes; at += size) {
    size = buffer.readUInt16LE(at + OFFSET_SIZE);
    if (size === 0) break;
    if (buffer[at + OFFSET_KIND] !== KIND_LOST) records++;
  }
}
clearInterval(sampler);
const stats = session.stats();
session.close();
process.stdout.write(`${JSON.stringify({ records, lost: stats.lost + stats.lostQueue, packets: stats.packets })}\n`);

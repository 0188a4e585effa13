// Child process for capture tests that need a process of their own (killed, or with capabilities
// dropped): opens a session from the compiled binding, attaches to the given ifindexes, prints
// "attached", then either takes records for --for-ms and prints the records as JSON lines, or waits to be killed.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const { NativeSession } = await import(resolve(root, 'dist/src/native/binding.js'));
const { decodeRecords } = await import(resolve(root, 'dist/src/native/records.js'));
const { setTimeout: delay } = await import('node:timers/promises');

const { values } = parseArgs({
  options: {
    mode: { type: 'string' },
    'tc-attach': { type: 'string', default: 'auto' },
    attach: { type: 'string' },
    'for-ms': { type: 'string' },
  },
});

const session = NativeSession.open({
  mode: values.mode,
  aggregate: true,
  reportIntervalMs: 300,
  flowTableSize: 1024,
  ringBytes: 1 << 22,
  skipPorts: [],
  payloadPorts: [],
  captureDrops: false,
  tcAttach: values['tc-attach'],
});
for (const ifindex of values.attach.split(',')) session.attach(Number(ifindex));
process.stdout.write('attached\n');

if (values['for-ms'] === undefined) {
  setInterval(() => {}, 60_000);
} else {
  const buffer = Buffer.alloc(1 << 20);
  const until = Date.now() + Number(values['for-ms']);
  while (Date.now() < until) {
    const length = session.take(buffer);
    decodeRecords(buffer, length, (record) => {
      process.stdout.write(`${JSON.stringify({ ...record, timeNs: String(record.timeNs) })}\n`);
    });
    if (length === 0) await delay(5);
  }
  session.close();
}

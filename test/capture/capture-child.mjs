// Child process for capture tests that need another privilege set: runs the compiled
// NativeSource and the L3/L4 ingest on the interfaces given as arguments, prints one JSON line
// per event ({probe}, {ready}, {flow}, {stopped}) and stops cleanly on SIGTERM.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const { NativeSource } = await import(resolve(root, 'dist/src/capture/native-source.js'));
const { FlowBuilder } = await import(resolve(root, 'dist/src/parser/flow-builder.js'));
const { RecordIngest } = await import(resolve(root, 'dist/src/parser/record-ingest.js'));
const { FlowStore } = await import(resolve(root, 'dist/src/store/flow-store.js'));
const { probeCapabilities } = await import(resolve(root, 'dist/src/native/binding.js'));
const { decodeRecords } = await import(resolve(root, 'dist/src/native/records.js'));

const [mode, ...interfaces] = process.argv.slice(2);
const emit = (event) => process.stdout.write(`${JSON.stringify(event)}\n`);

emit({ probe: probeCapabilities() });
const builder = new FlowBuilder({ nodeName: 'child-node', dropReasonNames: new Map() });
const store = new FlowStore({ capacity: 1 << 16, build: (slot) => builder.build(slot) });
let ingest;
const source = new NativeSource({
  session: {
    mode,
    aggregate: true,
    reportIntervalMs: 1000,
    flowTableSize: 4096,
    ringBytes: 4 << 20,
    skipPorts: [],
    payloadPorts: [],
    captureDrops: false,
  },
  interfaces,
  handlers: {
    onRecords: (buffer, length) => {
      const before = store.nextSequence;
      ingest.ingest(buffer, length);
      for (let sequence = before; sequence < store.nextSequence; sequence++) {
        const read = store.read(sequence);
        if (read.kind === 'event' && 'flow' in read.event) emit({ flow: read.event.flow });
      }
    },
    onLost: () => {},
  },
});
ingest = new RecordIngest({ store, builder, interfaces: source });

process.on('SIGTERM', async () => {
  await source.stop();
  emit({ stopped: source.stats() });
  process.exit(0);
});
await source.start();
emit({ ready: source.attachedInterfaces() });

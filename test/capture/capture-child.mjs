// Child process for capture tests that need another privilege set: runs the compiled
// NativeSource and L3/L4 parser on the interfaces given as arguments, prints one JSON line
// per event ({probe}, {ready}, {flow}, {stopped}) and stops cleanly on SIGTERM.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const { NativeSource } = await import(resolve(root, 'dist/src/capture/native-source.js'));
const { FlowParser } = await import(resolve(root, 'dist/src/parser/flow-parser.js'));
const { probeCapabilities } = await import(resolve(root, 'dist/src/native/binding.js'));
const { decodeRecords } = await import(resolve(root, 'dist/src/native/records.js'));

const [mode, ...interfaces] = process.argv.slice(2);
const emit = (event) => process.stdout.write(`${JSON.stringify(event)}\n`);

emit({ probe: probeCapabilities() });
let parser;
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
    captureSock: false,
  },
  interfaces,
  handlers: {
    onRecords: (buffer, length) => {
      decodeRecords(buffer, length, (record) => {
        const flow = parser.parse(record);
        if (flow !== undefined) emit({ flow });
      });
    },
    onLost: () => {},
  },
});
parser = new FlowParser({ nodeName: 'child-node', interfaces: source, dropReasonNames: new Map() });

process.on('SIGTERM', async () => {
  await source.stop();
  emit({ stopped: source.stats() });
  process.exit(0);
});
await source.start();
emit({ ready: source.attachedInterfaces() });

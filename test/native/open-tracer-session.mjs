// Child process for the signal tests: opens a tracer session with every kernel program but the
// TLS probes from the compiled binding, closes it, and prints "opened" (or the error).
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const { NativeSession } = await import(resolve(root, 'dist/src/native/binding.js'));

try {
  const session = NativeSession.open({
    mode: 'tracer',
    aggregate: true,
    reportIntervalMs: 1000,
    flowTableSize: 1024,
    ringBytes: 1 << 16,
    skipPorts: [],
    payloadPorts: [],
    captureDrops: true,
  });
  session.close();
  process.stdout.write('opened');
} catch (err) {
  process.stdout.write(err.message);
}

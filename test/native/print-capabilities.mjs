// Child process for the probe tests: prints the capability report of the compiled binding as JSON.
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const { probeCapabilities } = await import(resolve(root, 'dist/src/native/binding.js'));
process.stdout.write(JSON.stringify(probeCapabilities()));

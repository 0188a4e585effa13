import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { hostPort } from '../../src/config/values.js';
import { createPodPair, type PodPair } from '../helpers/netns.js';
import { onlyOfKind } from './manifest.js';

// With hostNetwork, the kubelet's httpGet probe connects to the pod IP, which is the node's
// IP. A network namespace stands in for the node (its address is the "node IP"), the real
// health server (compiled, as the image runs it) listens there on the ConfigMap's health
// address, and the probe comes over the wire from a second namespace.

const HEALTH_SERVER_MODULE = fileURLToPath(new URL('../../dist/src/health/server.js', import.meta.url));
const HEALTH_CHECKS_MODULE = fileURLToPath(new URL('../../dist/src/health/health-checks.js', import.meta.url));

const manifestHealthAddress = hostPort(parseYaml(onlyOfKind('ConfigMap').data['config.yaml']).health.address);
const container = onlyOfKind('DaemonSet').spec.template.spec.containers[0];

const SERVER_SCRIPT = `
import { startHealthServer } from ${JSON.stringify(HEALTH_SERVER_MODULE)};
import { HealthChecks } from ${JSON.stringify(HEALTH_CHECKS_MODULE)};
const server = await startHealthServer({ address: { host: process.argv[1], port: 0 }, readiness: new HealthChecks() });
process.stdout.write(server.port + '\\n');
setInterval(() => {}, 60_000);
`;

let pair: PodPair;
const servers: ChildProcess[] = [];

async function startServerIn(ns: string, host: string): Promise<number> {
  const child = pair.spawn(ns, [process.execPath, '--input-type=module', '-e', SERVER_SCRIPT, host]);
  servers.push(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 20_000;
  // The port is the one line that is a bare number (the server also logs JSON lines).
  let port: RegExpExecArray | null;
  while (!(port = /^(\d+)$/m.exec(output))) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`health server did not start (exit ${child.exitCode})`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return Number(port[1]);
}

/** The kubelet's probe: HTTP GET from another host to the node IP; returns the status, 0 if no connection. */
function probe(url: string): number {
  try {
    return Number(pair.exec(pair.nsB, ['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '5', url]));
  } catch {
    return 0;
  }
}

beforeAll(() => {
  pair = createPodPair();
});

afterAll(async () => {
  for (const child of servers) {
    if (child.exitCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  }
  pair?.cleanup();
});

describe('the DaemonSet\'s health probes', () => {
  it('reach the health server listening on the ConfigMap\'s address from the node IP', async () => {
    const port = await startServerIn(pair.nsA, manifestHealthAddress.host);
    expect(probe(`http://${pair.ipA}:${port}${container.livenessProbe.httpGet.path}`)).toBe(200);
    expect(probe(`http://${pair.ipA}:${port}${container.readinessProbe.httpGet.path}`)).toBe(200);
  });

  it('would fail against the loopback default, which is why the DaemonSet overrides it', async () => {
    const port = await startServerIn(pair.nsA, '127.0.0.1');
    expect(probe(`http://${pair.ipA}:${port}/healthz`)).toBe(0);
  });
});

import type { ChildProcess } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { trackChild } from './cleanup.js';
import type { PodPair } from './topology.js';

// iperf3 between the two pod namespaces: a server in B for the whole measurement, one
// single-stream client run from A per sample.

const SERVER_START_MS = 500;
const CLIENT_GRACE_MS = 15_000;
const CONNECT_TIMEOUT_MS = 5_000;

export interface IperfServer {
  stop(): Promise<void>;
}

export async function startIperfServer(pair: PodPair, port: number): Promise<IperfServer> {
  const child = trackChild(pair.spawn(pair.nsB, ['iperf3', '-s', '-B', pair.ipB, '-p', String(port)]));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await delay(SERVER_START_MS);
  if (child.exitCode !== null) throw new Error('iperf3 server exited at start');
  return {
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

function collect(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), CLIENT_GRACE_MS);
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`iperf3 client failed (${code}): ${stderr}${stdout.slice(0, 500)}`));
    });
  });
}

/** One single-stream TCP run from A to B; resolves to the received throughput in bits/s. */
export async function runIperf(pair: PodPair, port: number, seconds: number): Promise<number> {
  const child = trackChild(
    pair.spawn(pair.nsA, ['iperf3', '-c', pair.ipB, '-p', String(port), '-t', String(seconds), '-J', '--connect-timeout', String(CONNECT_TIMEOUT_MS)]),
  );
  const report = JSON.parse(await collect(child)) as { end?: { sum_received?: { bits_per_second?: number } } };
  const bps = report.end?.sum_received?.bits_per_second;
  if (bps === undefined) throw new Error('iperf3 report has no end.sum_received.bits_per_second');
  return bps;
}

import { execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { trackChild } from './cleanup.js';
import type { PodPair } from './topology.js';

// The C load generator (bench/loadgen.c): compiled on first use next to the compiled bench
// (dist/bench/, git-ignored), run inside the pod namespaces.

const HERE = dirname(fileURLToPath(import.meta.url));
// From dist/bench/ the source is two levels up; from bench/ (tsx, editors) it is beside us.
const SOURCE = [resolve(HERE, '../../bench/loadgen.c'), resolve(HERE, 'loadgen.c')].find((path) => existsSync(path));
const BINARY = join(HERE, 'loadgen');
const SERVER_READY_TIMEOUT_MS = 10_000;
const CLIENT_GRACE_MS = 15_000;

export interface TcpResult {
  attempted: number;
  established: number;
  failed: number;
  unfinished: number;
  open_errors: number;
  distinct_tuples: number;
  open_seconds: number;
  rate: number;
  cpu_seconds: number;
}

export interface UdpResult {
  sent: number;
  retries: number;
  distinct_tuples: number;
  send_seconds: number;
  rate: number;
  cpu_seconds: number;
}

export interface ServerResult {
  accepted: number;
  datagrams: number;
  cpu_seconds: number;
}

/** Compiles the generator when the binary is missing or older than its source. */
export function buildLoadgen(): string {
  if (SOURCE === undefined) throw new Error(`bench/loadgen.c not found from ${HERE}`);
  if (existsSync(BINARY) && statSync(BINARY).mtimeMs >= statSync(SOURCE).mtimeMs) return BINARY;
  mkdirSync(dirname(BINARY), { recursive: true });
  execFileSync('gcc', ['-O2', '-Wall', '-Wextra', '-o', BINARY, SOURCE], { stdio: ['ignore', 'inherit', 'inherit'] });
  return BINARY;
}

/** Reads JSON lines from a child; resolves each awaited line in order. */
function jsonLines(child: ChildProcess): { next(timeoutMs: number): Promise<Record<string, unknown>> } {
  const queue: Record<string, unknown>[] = [];
  const waiting: ((line: Record<string, unknown> | undefined) => void)[] = [];
  let stderr = '';
  let closed = false;
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout! });
  lines.on('line', (text) => {
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    const waiter = waiting.shift();
    if (waiter) waiter(parsed);
    else queue.push(parsed);
  });
  lines.on('close', () => {
    closed = true;
    for (const waiter of waiting.splice(0)) waiter(undefined);
  });
  return {
    next: (timeoutMs) => {
      const ready = queue.shift();
      if (ready) return Promise.resolve(ready);
      if (closed) return Promise.reject(new Error(`loadgen ended without output: ${stderr.trim()}`));
      return new Promise((resolveLine, reject) => {
        const timer = setTimeout(() => reject(new Error(`loadgen gave no output within ${timeoutMs} ms: ${stderr.trim()}`)), timeoutMs);
        waiting.push((line) => {
          clearTimeout(timer);
          if (line === undefined) reject(new Error(`loadgen ended without output: ${stderr.trim()}`));
          else resolveLine(line);
        });
      });
    },
  };
}

export interface LoadServer {
  pid: number;
  /** SIGTERM, then its totals. */
  stop(): Promise<ServerResult>;
}

/** TCP and UDP listeners on ports [portBase, portBase + ports) of the pair's B side. */
export async function startLoadServer(pair: PodPair, portBase: number, ports: number, maxMs: number): Promise<LoadServer> {
  const child = trackChild(
    pair.spawn(pair.nsB, [buildLoadgen(), 'serve', '--addr', pair.ipB, '--port-base', String(portBase), '--ports', String(ports), '--max-ms', String(maxMs)]),
  );
  const output = jsonLines(child);
  await output.next(SERVER_READY_TIMEOUT_MS);
  return {
    pid: child.pid!,
    stop: async () => {
      child.kill('SIGTERM');
      return (await output.next(SERVER_READY_TIMEOUT_MS)) as unknown as ServerResult;
    },
  };
}

export interface TcpLoad {
  portBase: number;
  ports: number;
  /** Connections per second; 0: as fast as possible. */
  rate: number;
  count: number;
  maxMs: number;
  sendByte?: boolean;
}

/** Opens short TCP connections from A to B; resolves when the count or the time limit is reached. */
export async function runTcpLoad(pair: PodPair, load: TcpLoad): Promise<TcpResult> {
  const argv = [
    buildLoadgen(), 'tcp', '--dst', pair.ipB, '--port-base', String(load.portBase), '--ports', String(load.ports),
    '--rate', String(load.rate), '--count', String(load.count), '--max-ms', String(load.maxMs),
    ...(load.sendByte === true ? ['--send-byte'] : []),
  ];
  const child = trackChild(pair.spawn(pair.nsA, argv));
  return (await jsonLines(child).next(load.maxMs + CLIENT_GRACE_MS)) as unknown as TcpResult;
}

export interface UdpLoad {
  portBase: number;
  ports: number;
  /** Datagrams per second; 0: as fast as possible. */
  rate: number;
  count: number;
  maxMs: number;
  /** Source sockets: every datagram is its own 5-tuple up to sockets × ports. */
  sockets: number;
}

/** Sends UDP datagrams from A to B; resolves when the count or the time limit is reached. */
export async function runUdpLoad(pair: PodPair, load: UdpLoad): Promise<UdpResult> {
  const argv = [
    buildLoadgen(), 'udp', '--dst', pair.ipB, '--port-base', String(load.portBase), '--ports', String(load.ports),
    '--rate', String(load.rate), '--count', String(load.count), '--max-ms', String(load.maxMs), '--sockets', String(load.sockets),
  ];
  const child = trackChild(pair.spawn(pair.nsA, argv));
  return (await jsonLines(child).next(load.maxMs + CLIENT_GRACE_MS)) as unknown as UdpResult;
}

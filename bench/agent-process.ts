import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { trackChild } from './cleanup.js';

// The agent as users run it: the compiled CLI in its own process, its JSON log on stdout.

const CLI_PATH = fileURLToPath(new URL('../src/cli.js', import.meta.url));
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;

/** Extra node flags for every agent the bench starts (space-separated), to measure e.g. V8 heap flags. */
const EXTRA_NODE_FLAGS = (process.env.FLOWLENS_BENCH_NODE_FLAGS ?? '').split(' ').filter((flag) => flag !== '');

/** Base mode for real: eBPF taken away as on a locked-down node (AF_PACKET still allowed). */
const NO_BPF_WRAPPER = ['setpriv', '--inh-caps=-all', '--bounding-set=-bpf,-sys_admin,-perfmon,-net_admin', '--'];

export const BENCH_NODE_NAME = 'bench-node';

export type BenchMode = 'tracer' | 'base';

export interface AgentOptions {
  mode: BenchMode;
  interfaces: readonly string[];
  bufferCapacity: number;
  aggregate?: boolean;
  tls?: { certFile: string; keyFile: string; clientCaFile: string };
  /** Extra node flags, e.g. --cpu-prof. */
  nodeFlags?: readonly string[];
}

export interface AgentProcess {
  pid: number;
  grpcPort: number;
  metricsPort: number;
  /** The mode the agent reports it chose. */
  mode: string;
  stop(): Promise<void>;
}

/** Flags for loopback ports only and no unix socket, so benches never touch the node's defaults. */
function agentFlags(options: AgentOptions): string[] {
  return [
    'agent',
    '--capture-mode', options.mode,
    '--interfaces', options.interfaces.join(','),
    '--hubble-buffer-capacity', String(options.bufferCapacity),
    '--capture-aggregate', String(options.aggregate ?? true),
    '--hubble-listen-address', '127.0.0.1:0',
    '--metrics-address', '127.0.0.1:0',
    '--health-address', '127.0.0.1:0',
    '--hubble-unix-socket', '',
    '--node-name', BENCH_NODE_NAME,
    '--log-level', 'info',
    ...(options.tls
      ? ['--hubble-tls-cert-file', options.tls.certFile, '--hubble-tls-key-file', options.tls.keyFile, '--hubble-tls-client-ca-files', options.tls.clientCaFile]
      : []),
  ];
}

export async function startAgent(options: AgentOptions): Promise<AgentProcess> {
  if (!existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: run the set-up (npm run bench does)`);
  const wrapper = options.mode === 'base' ? NO_BPF_WRAPPER : [];
  const argv = [...wrapper, process.execPath, ...EXTRA_NODE_FLAGS, ...(options.nodeFlags ?? []), CLI_PATH, ...agentFlags(options)];
  const child = trackChild(spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] }));
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const running = new Promise<{ grpc: number; metrics: number; mode: string }>((resolve, reject) => {
    let mode = '';
    const timer = setTimeout(() => reject(new Error(`the agent did not start within ${START_TIMEOUT_MS} ms: ${stderr}`)), START_TIMEOUT_MS);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`the agent exited during start-up: ${stderr}`));
    });
    createInterface({ input: child.stdout! }).on('line', (text) => {
      let line: { msg?: string; mode?: string; grpc?: number; metrics?: number; level?: number };
      try {
        line = JSON.parse(text) as typeof line;
      } catch {
        return;
      }
      if (line.msg === 'capture mode chosen') mode = line.mode ?? '';
      if (line.msg === 'flowlens agent running') {
        clearTimeout(timer);
        resolve({ grpc: line.grpc!, metrics: line.metrics!, mode });
      }
    });
  });

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };

  try {
    const ports = await running;
    if (ports.mode !== options.mode) throw new Error(`the agent chose ${ports.mode} mode, the bench asked for ${options.mode}`);
    return { pid: child.pid!, grpcPort: ports.grpc, metricsPort: ports.metrics, mode: ports.mode, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

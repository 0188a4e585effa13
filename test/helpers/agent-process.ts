import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { CLI_PATH, PRIVILEGE_WRAPPERS, type PrivilegeWrapper } from './agent-cli.js';

const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

export interface LogLine {
  level: number;
  module?: string;
  msg: string;
  [key: string]: unknown;
}

/** A real agent process (the compiled CLI), its JSON log, and the ports it bound. */
export interface AgentProcess {
  child: ChildProcess;
  logs: LogLine[];
  grpcPort: number;
  metricsPort: number;
  healthPort: number;
  /** The "capture mode chosen" log line. */
  modeLine: LogLine;
  /** Resolves with the first log line matching, or rejects after timeoutMs. */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** SIGTERM, then waits for exit (SIGKILL after a deadline); resolves to the exit code. */
  stop(): Promise<number | null>;
}

/** Flags that keep a test agent on free loopback ports and off the node's default paths. */
export function isolatedAgentFlags(): string[] {
  return ['--hubble-listen-address', '127.0.0.1:0', '--metrics-address', '127.0.0.1:0', '--health-address', '127.0.0.1:0', '--hubble-unix-socket', ''];
}

export async function startAgentProcess(args: string[], options: { wrapper?: PrivilegeWrapper; prefix?: string[]; env?: NodeJS.ProcessEnv } = {}): Promise<AgentProcess> {
  const prefix = [...(options.prefix ?? []), ...PRIVILEGE_WRAPPERS[options.wrapper ?? 'root']];
  const argv = [...prefix, process.execPath, CLI_PATH, 'agent', ...args];
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
  const logs: LogLine[] = [];
  const waiters = new Set<{ match: (line: LogLine) => boolean; resolve: (line: LogLine) => void }>();
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  createInterface({ input: child.stdout! }).on('line', (text) => {
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      return;
    }
    logs.push(line);
    for (const waiter of waiters) {
      if (waiter.match(line)) {
        waiters.delete(waiter);
        waiter.resolve(line);
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const waitForLog = (match: (line: LogLine) => boolean, timeoutMs = START_TIMEOUT_MS): Promise<LogLine> => {
    const seen = logs.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise<LogLine>((resolve, reject) => {
      const waiter = { match, resolve: (line: LogLine) => (clearTimeout(timer), resolve(line)) };
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(new Error(`agent log line not seen within ${timeoutMs} ms; stderr: ${stderr}\nlogs: ${logs.map((l) => l.msg).join(' | ')}`));
      }, timeoutMs);
      waiters.add(waiter);
      void exited.then((code) => {
        if (waiters.delete(waiter)) {
          clearTimeout(timer);
          reject(new Error(`agent exited (${code}) before the log line; stderr: ${stderr}`));
        }
      });
    });
  };

  const stop = async (): Promise<number | null> => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };

  try {
    const running = await waitForLog((line) => line.msg === 'flowlens agent running');
    const modeLine = await waitForLog((line) => line.msg === 'capture mode chosen');
    return {
      child,
      logs,
      grpcPort: running.grpc as number,
      metricsPort: running.metrics as number,
      healthPort: running.health as number,
      modeLine,
      waitForLog,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

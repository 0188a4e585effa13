import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Debian's `prometheus` server for tests: own temp config and data dir, loopback only,
// 1 s scrape interval. Always pair startPrometheus() with stop() in finally.

export interface QuerySample {
  metric: Record<string, string>;
  value: number;
}

export interface PrometheusServer {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** An instant query; the vector's samples. */
  query(expr: string): Promise<QuerySample[]>;
  /** Polls a query until `accept` returns true for its samples; returns those samples. */
  waitFor(expr: string, accept: (samples: QuerySample[]) => boolean, timeoutMs?: number): Promise<QuerySample[]>;
  stop(): Promise<void>;
}

export interface PrometheusOptions {
  /** host:port of each target to scrape at /metrics. */
  targets: string[];
  jobName?: string;
  /** Feature flags to enable (`--enable-feature`), e.g. exemplar-storage. */
  features?: string[];
}

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
const POLL_INTERVAL_MS = 250;
const DEFAULT_WAIT_TIMEOUT_MS = 45_000;
const PORT_ATTEMPTS = 3;
const STDERR_TAIL_CHARS = 4_000;

async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port bound');
  return address.port;
}

function configYaml(options: PrometheusOptions): string {
  const targets = options.targets.map((target) => `'${target}'`).join(', ');
  return [
    'global:',
    '  scrape_interval: 1s',
    '  scrape_timeout: 1s',
    '  evaluation_interval: 1s',
    'scrape_configs:',
    `  - job_name: ${options.jobName ?? 'flowlens'}`,
    '    static_configs:',
    `      - targets: [${targets}]`,
    '',
  ].join('\n');
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited(child);
  clearTimeout(timer);
}

async function waitReady(url: string, child: ChildProcess, stderr: () => string, spawnError: () => Error | undefined): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const error = spawnError();
    if (error) throw error;
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`prometheus exited (${child.exitCode ?? child.signalCode}): ${stderr()}`);
    }
    try {
      const response = await fetch(`${url}/-/ready`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`prometheus not ready after ${READY_TIMEOUT_MS} ms: ${stderr()}`);
}

async function query(url: string, expr: string): Promise<QuerySample[]> {
  const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await response.json()) as {
    status: string;
    error?: string;
    data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  if (body.status !== 'success' || !body.data) throw new Error(`query ${expr} failed: ${body.error ?? response.status}`);
  if (body.data.resultType !== 'vector') throw new Error(`query ${expr} returned a ${body.data.resultType}, not a vector`);
  return body.data.result.map((sample) => ({ metric: sample.metric, value: Number(sample.value[1]) }));
}

export async function startPrometheus(options: PrometheusOptions): Promise<PrometheusServer> {
  const dir = await mkdtemp(join(tmpdir(), 'flowlens-prometheus-'));
  try {
    const configFile = join(dir, 'prometheus.yml');
    await writeFile(configFile, configYaml(options));
    // The free port can be taken between probing and binding: try again with another.
    for (let attempt = 1; ; attempt += 1) {
      const url = `http://127.0.0.1:${await freeLoopbackPort()}`;
      let stderrTail = '';
      const child = spawn(
        'prometheus',
        [
          `--config.file=${configFile}`,
          `--storage.tsdb.path=${join(dir, 'data')}`,
          `--web.listen-address=${url.slice('http://'.length)}`,
          '--log.level=warn',
          ...(options.features ?? []).map((feature) => `--enable-feature=${feature}`),
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let spawnError: Error | undefined;
      child.on('error', (err) => (spawnError = err));
      child.stderr?.on('data', (chunk: Buffer) => {
        stderrTail = (stderrTail + chunk.toString()).slice(-STDERR_TAIL_CHARS);
      });
      try {
        await waitReady(url, child, () => stderrTail, () => spawnError);
      } catch (err) {
        if (spawnError) throw new Error(`prometheus cannot be started (is Debian's prometheus installed?): ${spawnError.message}`);
        await stopChild(child);
        if (attempt < PORT_ATTEMPTS) continue;
        throw err;
      }
      return {
        url,
        query: (expr) => query(url, expr),
        async waitFor(expr, accept, timeoutMs = DEFAULT_WAIT_TIMEOUT_MS) {
          const deadline = Date.now() + timeoutMs;
          let last: QuerySample[] = [];
          while (Date.now() < deadline) {
            last = await query(url, expr);
            if (accept(last)) return last;
            await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
          }
          throw new Error(`${expr} not as expected after ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
        },
        async stop() {
          await stopChild(child);
          await rm(dir, { recursive: true, force: true });
        },
      };
    }
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

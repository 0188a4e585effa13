import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { HealthChecks } from '../../src/health/health-checks.js';
import { startHealthServer } from '../../src/health/server.js';

const MAX_STALL_MS = 300;
const BLOCK_MS = 1_500;
const STALL_MEMORY_MS = 5_000;
const RECOVERY_DEADLINE_MS = 20_000;

async function probe(port: number, path: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { headers: { connection: 'close' } });
  return { status: response.status, body: await response.json() };
}

function blockEventLoop(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // deliberately busy
  }
}

describe('/healthz', () => {
  it('answers 503 for a probe that arrives while the event loop is blocked, and 200 once it has recovered', async () => {
    const server = await startHealthServer({
      address: { host: '127.0.0.1', port: 0 },
      readiness: new HealthChecks(),
      maxEventLoopStallMs: MAX_STALL_MS,
      stallMemoryMs: STALL_MEMORY_MS,
    });
    try {
      expect(await probe(server.port, '/healthz')).toEqual({ status: 200, body: { status: 'ok' } });

      // A probe from another process connects while this loop is busy; it is answered when the loop is back.
      const curl = spawn('sh', ['-c', `sleep 0.3; curl -s --max-time 30 -w '%{http_code}' http://127.0.0.1:${server.port}/healthz`], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      curl.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const curlExit = new Promise<number | null>((resolve) => curl.once('exit', resolve));
      blockEventLoop(BLOCK_MS);
      expect(await curlExit).toBe(0);
      const [body, status] = output.split('\n');
      expect(status).toBe('503');
      const answer = JSON.parse(body!);
      expect(answer.status).toBe('unhealthy');
      expect(answer.failing['event-loop']).toMatch(/blocked for \d+ ms/);

      const deadline = Date.now() + RECOVERY_DEADLINE_MS;
      let latest = await probe(server.port, '/healthz');
      while (latest.status !== 200 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        latest = await probe(server.port, '/healthz');
      }
      expect(latest).toEqual({ status: 200, body: { status: 'ok' } });
    } finally {
      await server.close();
    }
  });

  it('answers 503 while an added liveness check fails', async () => {
    const server = await startHealthServer({ address: { host: '127.0.0.1', port: 0 }, readiness: new HealthChecks() });
    try {
      let stuck = true;
      server.liveness.register('capture-loop', () => (stuck ? 'no batch read for 60 s' : null));
      expect(await probe(server.port, '/healthz')).toEqual({
        status: 503,
        body: { status: 'unhealthy', failing: { 'capture-loop': 'no batch read for 60 s' } },
      });
      stuck = false;
      expect(await probe(server.port, '/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
    } finally {
      await server.close();
    }
  });
});

import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HealthChecks } from '../../src/health/health-checks.js';
import { startHealthServer, type HealthServer } from '../../src/health/server.js';
import { HEADERS_TIMEOUT_MS, listenHttp, MAX_CONNECTIONS, type HttpEndpoint } from '../../src/metrics/http-listener.js';
import { AgentMetrics } from '../../src/metrics/registry.js';
import { startMetricsServer } from '../../src/metrics/server.js';
import { askStatus, forPath, HTTP_CASES, statusLine } from './http-cases.js';
import { dialTcp, exchange, holdConnections } from './raw-clients.js';

async function metricsAnswer(port: number): Promise<number> {
  return (await fetch(`http://127.0.0.1:${port}/metrics`)).status;
}

describe('the metrics and health servers answer hostile requests and keep serving', () => {
  let metrics: HttpEndpoint;
  let health: HealthServer;
  beforeAll(async () => {
    const agentMetrics = new AgentMetrics({ version: 'hostile-test', agentState: { peersKnown: () => 1 } });
    metrics = await startMetricsServer({ address: { host: '127.0.0.1', port: 0 }, registry: agentMetrics.registry });
    health = await startHealthServer({ address: { host: '127.0.0.1', port: 0 }, readiness: new HealthChecks() });
  });
  afterAll(async () => {
    await metrics.close();
    await health.close();
  });

  for (const [what, request, status] of HTTP_CASES) {
    it(`answers ${what} with ${status}`, async () => {
      expect(await askStatus(dialTcp(metrics.port), request)).toBe(status);
      expect(await askStatus(dialTcp(health.port), forPath(request, '/readyz'))).toBe(status);
      expect(await metricsAnswer(metrics.port)).toBe(200);
    });
  }

  it('answers pipelined requests in order', async () => {
    const count = 200;
    const request = 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\n';
    const result = await exchange(dialTcp(health.port), [request.repeat(count / 2)], {
      timeoutMs: 10_000,
      done: (received) => (received.toString('latin1').match(/^HTTP\/1\.1 /gm) ?? []).length >= count,
    });
    const statuses = [...result.received.toString('latin1').matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) => Number(m[1]));
    expect(statuses).toHaveLength(count);
    expect(statuses.filter((s, i) => s !== (i % 2 === 0 ? 200 : 404))).toEqual([]);
  });

  it('collects the metrics once for requests that arrive together, pipelined or in parallel', async () => {
    let collections = 0;
    const registry = new (class extends Registry {
      override metrics(): Promise<string> {
        collections += 1;
        return super.metrics();
      }
    })();
    const server = await startMetricsServer({ address: { host: '127.0.0.1', port: 0 }, registry });
    try {
      const count = 100;
      const result = await exchange(dialTcp(server.port), ['HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(count)], {
        timeoutMs: 10_000,
        done: (received) => (received.toString('latin1').match(/^HTTP\/1\.1 200/gm) ?? []).length >= count,
      });
      expect((result.received.toString('latin1').match(/^HTTP\/1\.1 200/gm) ?? []).length).toBe(count);
      expect(collections).toBeLessThan(count / 10);
      const parallel = await Promise.all(Array.from({ length: 20 }, async () => (await fetch(`http://127.0.0.1:${server.port}/metrics`)).status));
      expect(parallel.every((status) => status === 200)).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('answers a client that sends its headers too slowly 408 and closes the connection', async () => {
    const dripped = 'GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n'.split('');
    const result = await exchange(dialTcp(metrics.port), dripped, { timeoutMs: HEADERS_TIMEOUT_MS + 5_000, gapMs: 250 });
    expect(statusLine(result.received)).toBe(408);
    expect(result.closedByPeer).toBe(true);
    expect(result.elapsedMs).toBeLessThan(HEADERS_TIMEOUT_MS + 2_500);
  }, 20_000);

  it('closes connections that never send a request, and caps how many are open at once', async () => {
    const idle = await holdConnections(dialTcp(metrics.port), MAX_CONNECTIONS + 20, undefined);
    try {
      // Past the cap, new connections are closed as soon as they are accepted. On a loaded
      // machine the client sees those closes a little later: wait for them, well within the
      // headers timeout that would close the rest.
      const capDeadline = Date.now() + HEADERS_TIMEOUT_MS / 2;
      while (idle.open() > MAX_CONNECTIONS && Date.now() < capDeadline) await new Promise((r) => setTimeout(r, 50));
      expect(idle.open()).toBeLessThanOrEqual(MAX_CONNECTIONS);
      expect(idle.open()).toBeGreaterThan(0);
      const deadline = Date.now() + HEADERS_TIMEOUT_MS + 5_000;
      while (idle.open() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(idle.open()).toBe(0);
    } finally {
      idle.close();
    }
    expect(await metricsAnswer(metrics.port)).toBe(200);
  }, 20_000);

  it('answers 500 for a route that throws or rejects, without the error reaching the process', async () => {
    const endpoint = await listenHttp('test server', { host: '127.0.0.1', port: 0 }, {
      '/throws': () => {
        throw new Error('synchronous failure');
      },
      '/rejects': async () => {
        await Promise.resolve();
        throw new Error('asynchronous failure');
      },
    });
    try {
      expect((await fetch(`http://127.0.0.1:${endpoint.port}/throws`)).status).toBe(500);
      expect((await fetch(`http://127.0.0.1:${endpoint.port}/rejects`)).status).toBe(500);
    } finally {
      await endpoint.close();
    }
  });
});

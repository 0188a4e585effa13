import { Agent, request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { AgentMetrics } from '../../src/metrics/registry.js';
import { startMetricsServer } from '../../src/metrics/server.js';
import { MONITOR_EVENT_TYPE } from '../../src/proto/flow.js';
import { sampleValue } from '../helpers/exposition.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(port: number, path: string, method = 'GET', agent: Agent | false = false): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('metrics server', () => {
  it('serves the registry at /metrics with its content type, 404 elsewhere, and closes with a scraper connected', async () => {
    const metrics = new AgentMetrics({ version: '1.2.3-test', agentState: { peersKnown: () => 2 } });
    metrics.processFlow({
      verdict: 'FORWARDED',
      event_type: { type: MONITOR_EVENT_TYPE.TRACE, sub_type: 0 },
      IP: { source: '198.18.0.1', destination: '198.18.0.2', ipVersion: 'IPv4' },
      l4: { UDP: { source_port: 1000, destination_port: 53 } },
    });
    const server = await startMetricsServer({ address: { host: '127.0.0.1', port: 0 }, registry: metrics.registry });
    const keepAlive = new Agent({ keepAlive: true });
    try {
      expect(server.port).toBeGreaterThan(0);
      const answer = await get(server.port, '/metrics', 'GET', keepAlive);
      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toBe(metrics.registry.contentType);
      expect(sampleValue(answer.body, 'flowlens_build_info', { version: '1.2.3-test' })).toBe(1);
      expect(sampleValue(answer.body, 'flowlens_peers_known')).toBe(2);
      expect(
        sampleValue(answer.body, 'hubble_flows_processed_total', { protocol: 'UDP', type: 'Trace', subtype: 'to-endpoint', verdict: 'FORWARDED' }),
      ).toBe(1);
      expect(answer.body).toContain('process_cpu_seconds_total');

      expect((await get(server.port, '/')).status).toBe(404);
      expect((await get(server.port, '/metrics/extra')).status).toBe(404);
      const post = await get(server.port, '/metrics', 'POST');
      expect(post.status).toBe(405);
      expect(post.headers.allow).toBe('GET, HEAD');
      const head = await get(server.port, '/metrics?x=1', 'HEAD');
      expect(head.status).toBe(200);
      expect(head.body).toBe('');
    } finally {
      await server.close();
      keepAlive.destroy();
    }
    await expect(get(server.port, '/metrics')).rejects.toThrow(/ECONNREFUSED/);
  });

  it('fails to start with FL_LISTEN when the address is taken', async () => {
    const metrics = new AgentMetrics({ version: 'x', agentState: {} });
    const first = await startMetricsServer({ address: { host: '127.0.0.1', port: 0 }, registry: metrics.registry });
    try {
      await expect(startMetricsServer({ address: { host: '127.0.0.1', port: first.port }, registry: metrics.registry })).rejects.toMatchObject({
        code: 'FL_LISTEN',
      });
    } finally {
      await first.close();
    }
  });
});

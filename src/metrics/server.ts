import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { moduleLogger } from '../log.js';
import { ThrottledLogger } from '../log-throttle.js';
import { formatListenAddress, listenHttp, type HttpEndpoint, type ListenAddress } from './http-listener.js';

const log = moduleLogger('metrics');
const FAILURE_LOG_INTERVAL_MS = 60_000;

export interface MetricsServerOptions {
  address: ListenAddress;
  registry: Registry;
}

/** Serves the registry's exposition at /metrics; every other path is 404. */
export async function startMetricsServer(options: MetricsServerOptions): Promise<HttpEndpoint> {
  const { registry } = options;
  const failures = new ThrottledLogger(log, FAILURE_LOG_INTERVAL_MS);

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = new URL(req.url ?? '/', 'http://metrics').pathname;
    if (path !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
      return;
    }
    registry.metrics().then(
      (text) => {
        res.writeHead(200, { 'Content-Type': registry.contentType, 'Content-Length': Buffer.byteLength(text) });
        res.end(req.method === 'HEAD' ? undefined : text);
      },
      (err: unknown) => {
        const detail = err instanceof Error ? err.message : String(err);
        failures.error({ detail }, 'collecting metrics failed');
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end(`collecting metrics failed: ${detail}\n`);
      },
    );
  };

  const endpoint = await listenHttp('metrics server', options.address, handle);
  log.info({ address: formatListenAddress({ host: options.address.host, port: endpoint.port }) }, 'metrics server listening');
  return {
    port: endpoint.port,
    close: async () => {
      failures.stop();
      await endpoint.close();
    },
  };
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { moduleLogger } from '../log.js';
import { ThrottledLogger } from '../log-throttle.js';
import { formatListenAddress, listenHttp, type HttpEndpoint, type ListenAddress } from './http-listener.js';
import { acceptsOpenMetrics, OPENMETRICS_CONTENT_TYPE, openMetricsText } from './openmetrics-exposition.js';

const log = moduleLogger('metrics');
const FAILURE_LOG_INTERVAL_MS = 60_000;

export interface MetricsServerOptions {
  address: ListenAddress;
  registry: Registry;
}

/**
 * Serves the registry's exposition at /metrics (GET, HEAD): OpenMetrics, with exemplars, to a
 * scraper that asks for it, else the Prometheus text format. See listenHttp for every other request.
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<HttpEndpoint> {
  const { registry } = options;
  const failures = new ThrottledLogger(log, FAILURE_LOG_INTERVAL_MS);

  // One collection at a time, shared by every request that arrives while it runs: a collection
  // costs milliseconds of the event loop, and pipelined or parallel requests would otherwise
  // multiply it (500 pipelined requests held the loop for seconds).
  let collecting: Promise<string> | undefined;
  let collectingOpenMetrics: Promise<string> | undefined;
  const collect = (): Promise<string> =>
    (collecting ??= registry.metrics().finally(() => {
      collecting = undefined;
    }));
  const collectOpenMetrics = (): Promise<string> =>
    (collectingOpenMetrics ??= openMetricsText(registry).finally(() => {
      collectingOpenMetrics = undefined;
    }));

  const metrics = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const openMetrics = acceptsOpenMetrics(req.headers.accept);
    let text: string;
    try {
      text = await (openMetrics ? collectOpenMetrics() : collect());
    } catch (err) {
      // The detail stays in the log: this port answers anyone who can reach it.
      failures.error({ detail: err instanceof Error ? err.message : String(err) }, 'collecting metrics failed');
      res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end('collecting metrics failed\n');
      return;
    }
    if (res.destroyed) return;
    res.writeHead(200, { 'Content-Type': openMetrics ? OPENMETRICS_CONTENT_TYPE : registry.contentType, 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  };

  const endpoint = await listenHttp('metrics server', options.address, { '/metrics': metrics });
  log.info({ address: formatListenAddress({ host: options.address.host, port: endpoint.port }) }, 'metrics server listening');
  return {
    port: endpoint.port,
    close: async () => {
      failures.stop();
      await endpoint.close();
    },
  };
}

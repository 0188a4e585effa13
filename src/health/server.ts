import type { IncomingMessage, ServerResponse } from 'node:http';
import { moduleLogger } from '../log.js';
import { formatListenAddress, listenHttp, type HttpEndpoint, type ListenAddress } from '../metrics/http-listener.js';
import { EventLoopStallMonitor } from './event-loop-stall-monitor.js';
import { HealthChecks, type HealthVerdict } from './health-checks.js';

const log = moduleLogger('health');

export const DEFAULT_MAX_EVENT_LOOP_STALL_MS = 2_000;
export const DEFAULT_STALL_MEMORY_MS = 5_000;

export interface HealthServerOptions {
  address: ListenAddress;
  /** What /readyz answers for; the caller registers its checks (capture, gRPC, certificate). */
  readiness: HealthChecks;
  maxEventLoopStallMs?: number;
  stallMemoryMs?: number;
}

export interface HealthServer extends HttpEndpoint {
  /** What /healthz answers for: the event loop, plus anything the caller adds. */
  readonly liveness: HealthChecks;
}

/** Serves /healthz (liveness: the event loop is not stalled) and /readyz (every readiness check passes). */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const stallMonitor = new EventLoopStallMonitor({
    maxStallMs: options.maxEventLoopStallMs ?? DEFAULT_MAX_EVENT_LOOP_STALL_MS,
    memoryMs: options.stallMemoryMs ?? DEFAULT_STALL_MEMORY_MS,
  });
  const liveness = new HealthChecks();
  liveness.register('event-loop', () => stallMonitor.check());

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = new URL(req.url ?? '/', 'http://health').pathname;
    if (path !== '/healthz' && path !== '/readyz') {
      answer(res, req, 404, { status: 'not found' });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      answer(res, req, 405, { status: 'method not allowed' });
      return;
    }
    const verdict = path === '/healthz' ? liveness.evaluate() : options.readiness.evaluate();
    if (!verdict.ok) log.debug({ path, failing: verdict.failing }, 'probe failing');
    answer(res, req, verdict.ok ? 200 : 503, body(path, verdict));
  };

  stallMonitor.start();
  let endpoint: HttpEndpoint;
  try {
    endpoint = await listenHttp('health server', options.address, handle);
  } catch (err) {
    stallMonitor.stop();
    throw err;
  }
  log.info({ address: formatListenAddress({ host: options.address.host, port: endpoint.port }) }, 'health server listening');
  return {
    port: endpoint.port,
    liveness,
    close: async () => {
      stallMonitor.stop();
      await endpoint.close();
    },
  };
}

function body(path: string, verdict: HealthVerdict): object {
  if (path === '/healthz') return verdict.ok ? { status: 'ok' } : { status: 'unhealthy', failing: verdict.failing };
  return verdict.ok ? { status: 'ready' } : { status: 'not ready', failing: verdict.failing };
}

function answer(res: ServerResponse, req: IncomingMessage, status: number, payload: object): void {
  const text = `${JSON.stringify(payload)}\n`;
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(req.method === 'HEAD' ? undefined : text);
}

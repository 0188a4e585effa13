import type { IncomingMessage, ServerResponse } from 'node:http';
import { moduleLogger } from '../log.js';
import { formatListenAddress, listenHttp, type HttpEndpoint, type ListenAddress } from '../metrics/http-listener.js';
import { EventLoopStallMonitor } from './event-loop-stall-monitor.js';
import { HealthChecks, type HealthVerdict } from './health-checks.js';
import { isLoopbackAddress } from './loopback.js';

const log = moduleLogger('health');

export const DEFAULT_MAX_EVENT_LOOP_STALL_MS = 2_000;
export const DEFAULT_STALL_MEMORY_MS = 5_000;

/**
 * What a failing check says to a client that is not on loopback. Reasons name files and carry
 * error texts, and the port may listen on the node's address (kubelet probes): only loopback
 * clients and the log get them.
 */
export const WITHHELD_REASON = 'failing (details on loopback and in the log)';

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

/**
 * Serves /healthz (liveness: the event loop is not stalled) and /readyz (every readiness check
 * passes); a failing answer names each failing check, with its reason only for loopback clients.
 */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const stallMonitor = new EventLoopStallMonitor({
    maxStallMs: options.maxEventLoopStallMs ?? DEFAULT_MAX_EVENT_LOOP_STALL_MS,
    memoryMs: options.stallMemoryMs ?? DEFAULT_STALL_MEMORY_MS,
  });
  const liveness = new HealthChecks();
  liveness.register('event-loop', () => stallMonitor.check());

  const probe = (path: '/healthz' | '/readyz', checks: HealthChecks) => (req: IncomingMessage, res: ServerResponse): void => {
    const verdict = checks.evaluate();
    if (!verdict.ok) log.debug({ path, failing: verdict.failing }, 'probe failing');
    const shown = verdict.ok || isLoopbackAddress(req.socket.remoteAddress) ? verdict : withheld(verdict);
    answer(res, verdict.ok ? 200 : 503, body(path, shown));
  };

  stallMonitor.start();
  let endpoint: HttpEndpoint;
  try {
    endpoint = await listenHttp('health server', options.address, {
      '/healthz': probe('/healthz', liveness),
      '/readyz': probe('/readyz', options.readiness),
    });
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

function withheld(verdict: HealthVerdict): HealthVerdict {
  return { ok: verdict.ok, failing: Object.fromEntries(Object.keys(verdict.failing).map((name) => [name, WITHHELD_REASON])) };
}

function body(path: string, verdict: HealthVerdict): object {
  if (path === '/healthz') return verdict.ok ? { status: 'ok' } : { status: 'unhealthy', failing: verdict.failing };
  return verdict.ok ? { status: 'ready' } : { status: 'not ready', failing: verdict.failing };
}

function answer(res: ServerResponse, status: number, payload: object): void {
  const text = `${JSON.stringify(payload)}\n`;
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { FlowlensError } from '../errors.js';
import { moduleLogger } from '../log.js';
import { ThrottledLogger } from '../log-throttle.js';
import { requestPath } from './request-target.js';

const log = moduleLogger('http');
const PROBLEM_LOG_INTERVAL_MS = 60_000;

// Limits of the small operability servers (metrics, health). The metrics port listens on every
// interface without authentication, so each limit assumes a hostile client; the README's
// "Security and limits" section lists them.

/** Request line and headers together; a larger block is answered 431 and the connection closed. */
export const MAX_HEADER_BYTES = 8 * 1024;
/** Time to send the whole header block, counted from the connection or the previous request; then 408 (slow clients). */
export const HEADERS_TIMEOUT_MS = 5_000;
/** Time to send the whole request; then 408. */
export const REQUEST_TIMEOUT_MS = 10_000;
/** An idle keep-alive connection is closed after this. */
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** A connection on which nothing moves either way (a client that stopped reading its answer) is closed after this. */
export const SOCKET_IDLE_TIMEOUT_MS = 30_000;
/** Open connections per server; more are closed as soon as they are accepted. */
export const MAX_CONNECTIONS = 64;
/** Requests on one connection, pipelined or kept alive; later ones are answered 503 and the connection closed. */
export const MAX_REQUESTS_PER_CONNECTION = 1_000;
/** On close, connections still busy after this are cut (a slow client must not hold up a shutdown). */
export const CLOSE_GRACE_MS = 1_000;
// How often Node checks the header and request timeouts (its default, 30 s, would let a slow
// client hold a connection for that long past the timeout).
const TIMEOUT_CHECK_INTERVAL_MS = 1_000;

const ALLOWED_METHODS = 'GET, HEAD';

/** Where an HTTP endpoint listens; host '' means every address, port 0 lets the kernel choose. */
export interface ListenAddress {
  host: string;
  port: number;
}

export interface HttpEndpoint {
  /** The bound port (the chosen one when port 0 was asked for). */
  readonly port: number;
  /** Stops accepting, drops idle keep-alive connections (a scraper holds one), cuts the rest after CLOSE_GRACE_MS. */
  close(): Promise<void>;
}

/** Answers one GET or HEAD request for its path; may finish asynchronously. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export function formatListenAddress(address: ListenAddress): string {
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  return `${host}:${address.port}`;
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function answerPlain(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/**
 * Starts a plain HTTP server for a small operability endpoint (metrics, health) serving GET and
 * HEAD on the given paths. Whatever a client sends is answered, never thrown: an unreadable
 * target 400, an overlong one 414, an unknown path 404, another method 405, a request with a
 * body 413 (bodies are not read; the connection is closed), CONNECT 405; Node answers malformed
 * request lines 400, oversized headers 431 and slow clients 408. A route that throws or rejects
 * is answered 500 and logged.
 */
export async function listenHttp(name: string, address: ListenAddress, routes: Readonly<Record<string, RouteHandler>>): Promise<HttpEndpoint> {
  const problems = new ThrottledLogger(log.child({ server: name }), PROBLEM_LOG_INTERVAL_MS);

  const failed = (res: ServerResponse, err: unknown): void => {
    problems.error({ err }, 'request handler failed');
    if (!res.headersSent) answerPlain(res, 500, 'internal error\n');
    else res.destroy();
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const target = requestPath(req.url);
    if ('status' in target) {
      answerPlain(res, target.status, `${target.reason}\n`, { Connection: 'close' });
      return;
    }
    // Own property only: a path such as /constructor must not find Object.prototype's.
    const route = Object.hasOwn(routes, target.path) ? routes[target.path] : undefined;
    const close: Record<string, string> = hasBody(req) ? { Connection: 'close' } : {};
    if (route === undefined) {
      answerPlain(res, 404, 'not found\n', close);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      answerPlain(res, 405, 'method not allowed\n', { Allow: ALLOWED_METHODS, ...close });
      return;
    }
    if (hasBody(req)) {
      answerPlain(res, 413, 'request bodies are not accepted\n', close);
      return;
    }
    try {
      const pending = route(req, res);
      if (pending instanceof Promise) pending.catch((err: unknown) => failed(res, err));
    } catch (err) {
      failed(res, err);
    }
  };

  const server = createServer(
    {
      maxHeaderSize: MAX_HEADER_BYTES,
      headersTimeout: HEADERS_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
      connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
    },
    handle,
  );
  server.maxConnections = MAX_CONNECTIONS;
  server.maxRequestsPerSocket = MAX_REQUESTS_PER_CONNECTION;
  server.setTimeout(SOCKET_IDLE_TIMEOUT_MS, (socket: Socket) => socket.destroy());
  // Node closes CONNECT connections unanswered when nobody listens for them; answer them instead.
  server.on('connect', (_req: IncomingMessage, socket: Duplex) => {
    socket.on('error', () => {});
    socket.end(`HTTP/1.1 405 Method Not Allowed\r\nAllow: ${ALLOWED_METHODS}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
  });
  server.on('drop', (data?: { remoteAddress?: string }) => {
    problems.warn({ limit: MAX_CONNECTIONS, remoteAddress: data?.remoteAddress }, 'connection limit reached; closing new connections');
  });

  await new Promise<void>((resolve, reject) => {
    const onListenError = (err: Error): void =>
      reject(new FlowlensError('FL_LISTEN', `${name} cannot listen on ${formatListenAddress(address)}: ${err.message}`, { cause: err }));
    server.once('error', onListenError);
    const listening = (): void => {
      server.off('error', onListenError);
      resolve();
    };
    if (address.host === '') server.listen(address.port, listening);
    else server.listen(address.port, address.host, listening);
  });
  // After listen, an error is a failed accept (EMFILE when descriptors run out): without a
  // listener it would end the process.
  server.on('error', (err: Error) => problems.error({ err }, 'server error'));

  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        const cut = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
        server.close(() => {
          clearTimeout(cut);
          problems.stop();
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}

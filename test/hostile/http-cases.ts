import { MAX_HEADER_BYTES } from '../../src/metrics/http-listener.js';
import { MAX_REQUEST_TARGET_LENGTH } from '../../src/metrics/request-target.js';
import { exchange, type Dial } from './raw-clients.js';

// Hostile HTTP/1.1 requests for the metrics and health servers, each with the status it must
// get. Written for /metrics; forPath() points one at another path.

const ANSWER_MS = 3_000;

/** [what, request, status the server must answer]. */
export const HTTP_CASES: [string, string, number][] = [
  ['a request line that is not HTTP', 'GARBAGE\r\n\r\n', 400],
  ['an unknown HTTP version', 'GET /metrics HTTP/9.9\r\nHost: x\r\n\r\n', 400],
  ['binary bytes', '\u0000\u0001\u0002\u00ff\r\n\r\n', 400],
  ['a header line without a colon', 'GET /metrics HTTP/1.1\r\nHost: x\r\nnonsense\r\n\r\n', 400],
  ['no Host header', 'GET /metrics HTTP/1.1\r\n\r\n', 400],
  ['two Content-Length headers', 'GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n', 400],
  ['an absolute-form target with a broken IPv6 host', 'GET http://[::1 HTTP/1.1\r\nHost: x\r\n\r\n', 400],
  ['an absolute-form target with an unclosed bracket and a path', 'GET http://[::1/metrics HTTP/1.1\r\nHost: x\r\n\r\n', 400],
  ['a target that is neither a path nor a URL', 'GET metrics HTTP/1.1\r\nHost: x\r\n\r\n', 400],
  ['an absolute-form target', 'GET http://[::1]:9965/metrics?x=1 HTTP/1.1\r\nHost: x\r\n\r\n', 200],
  ['an absolute-form target with userinfo', 'GET http://u:p@host/metrics HTTP/1.1\r\nHost: x\r\n\r\n', 200],
  ['a scheme-relative target', 'GET //host/metrics HTTP/1.1\r\nHost: x\r\n\r\n', 404],
  ['the asterisk form', 'OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n', 404],
  ['an authority-form CONNECT', 'CONNECT host:443 HTTP/1.1\r\nHost: host:443\r\n\r\n', 405],
  ['a prototype property as path', 'GET /constructor HTTP/1.1\r\nHost: x\r\n\r\n', 404],
  ['a percent-encoded path', 'GET /%6Detrics HTTP/1.1\r\nHost: x\r\n\r\n', 404],
  ['a dot segment', 'GET /x/../metrics HTTP/1.1\r\nHost: x\r\n\r\n', 404],
  ['another method', 'DELETE /metrics HTTP/1.1\r\nHost: x\r\n\r\n', 405],
  ['a body', 'POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello', 405],
  ['a GET with a body', 'GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello', 413],
  ['a GET announcing a huge body it never sends', 'GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\n', 413],
  ['a chunked body, never read (its chunk size is not even a number)', 'GET /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 413],
  ['an upgrade request', 'GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n', 200],
  ['a target over the length limit', `GET /${'a'.repeat(MAX_REQUEST_TARGET_LENGTH)} HTTP/1.1\r\nHost: x\r\n\r\n`, 414],
  ['a header block over the size limit', `GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(MAX_HEADER_BYTES)}\r\n\r\n`, 431],
  ['many small headers over the size limit', `GET /metrics HTTP/1.1\r\nHost: x\r\n${'X-H: 0123456789\r\n'.repeat(MAX_HEADER_BYTES / 8)}\r\n`, 431],
];

export function forPath(request: string, path: string): string {
  return request.replaceAll('/metrics', path);
}

export function statusLine(received: Buffer): number | undefined {
  const match = /^HTTP\/1\.1 (\d{3})/.exec(received.toString('latin1'));
  return match ? Number(match[1]) : undefined;
}

/** Sends one raw request on a new connection and reads the status line of the answer (bounded). */
export async function askStatus(dial: Dial, request: string): Promise<number | undefined> {
  const result = await exchange(dial, [request], { timeoutMs: ANSWER_MS, done: (received) => received.includes('\r\n\r\n') });
  return statusLine(result.received);
}

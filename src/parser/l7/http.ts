// The head of an HTTP/1.x request or response from the first bytes of a TCP segment
// (or of TLS plaintext). The capture may cut the header block anywhere: the start line
// must be complete, header lines are taken while they are complete.

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'] as const;

// Header names kept on flows by default; credentials (authorization, cookie) never are.
export const DEFAULT_HTTP_HEADERS: ReadonlySet<string> = new Set([
  'host',
  'user-agent',
  'content-type',
  'content-length',
  'x-request-id',
  'traceparent',
  'x-forwarded-for',
]);

const HTTP_MAX_HEAD_BYTES = 16 * 1024;
const HTTP_MAX_HEADER_LINES = 100;
const RESPONSE_PREFIX = 'HTTP/1.';

export const HTTP_REJECT_REASONS = [
  'not_http',
  'incomplete_start_line',
  'bad_request_line',
  'bad_version',
  'bad_target',
  'bad_status',
  'bad_header',
] as const;
export type HttpRejectReason = (typeof HTTP_REJECT_REASONS)[number];

export interface HttpHeader {
  key: string;
  value: string;
}

export interface HttpRequestHead {
  kind: 'request';
  method: string;
  /** The request target as sent: `/path?q`, `http://host/path`, `host:port` or `*`. */
  target: string;
  protocol: string;
  /** The Host header, when it was among the captured complete lines. */
  host?: string;
  /** Kept headers, canonical names (`Content-Type`), sorted by name. */
  headers: HttpHeader[];
  /** True when the blank line ending the header block was captured. */
  headersComplete: boolean;
}

export interface HttpResponseHead {
  kind: 'response';
  protocol: string;
  code: number;
  headers: HttpHeader[];
  headersComplete: boolean;
}

export type HttpParseResult =
  | { ok: true; message: HttpRequestHead | HttpResponseHead }
  | { ok: false; reason: HttpRejectReason };

export interface HttpParseOptions {
  /** Lower-case header names to keep. */
  headers: ReadonlySet<string>;
}

const METHOD_PREFIXES = HTTP_METHODS.map((m) => Buffer.from(m + ' ', 'latin1'));
const RESPONSE_PREFIX_BYTES = Buffer.from(RESPONSE_PREFIX, 'latin1');
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const VERSION = /^HTTP\/1\.[0-9]$/;
const STATUS_CODE = /^[1-9][0-9]{2}$/;
const CONTROL_OR_SPACE = /[\x00-\x20\x7f]/;
const NON_ASCII = /[\x80-\xff]/g;

function reject(reason: HttpRejectReason): { ok: false; reason: HttpRejectReason } {
  return { ok: false, reason };
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}

/** Cheap test on raw bytes: could this segment start an HTTP/1.x message? */
export function looksLikeHttp(bytes: Uint8Array): boolean {
  if (startsWith(bytes, RESPONSE_PREFIX_BYTES)) return true;
  for (const prefix of METHOD_PREFIXES) if (startsWith(bytes, prefix)) return true;
  return false;
}

/** `content-type` → `Content-Type`, as Go's net/http (and so Hubble) prints header names. */
export function canonicalHeaderKey(name: string): string {
  let key = '';
  let upper = true;
  for (const ch of name) {
    key += upper ? ch.toUpperCase() : ch.toLowerCase();
    upper = ch === '-';
  }
  return key;
}

function percentEncodeNonAscii(target: string): string {
  return target.replace(NON_ASCII, (ch) => '%' + ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'));
}

function isValidTarget(method: string, target: string): boolean {
  if (target === '' || CONTROL_OR_SPACE.test(target)) return false;
  if (target[0] === '/') return true;
  if (target === '*') return method === 'OPTIONS';
  if (target.startsWith('http://') || target.startsWith('https://')) return true;
  return method === 'CONNECT';
}

function lineAt(text: string, start: number): { line: string; next: number } | undefined {
  const newline = text.indexOf('\n', start);
  if (newline === -1) return undefined;
  const end = newline > start && text.charCodeAt(newline - 1) === 0x0d ? newline - 1 : newline;
  return { line: text.slice(start, end), next: newline + 1 };
}

interface HeaderBlock {
  headers: HttpHeader[];
  host?: string;
  complete: boolean;
}

function readHeaders(text: string, start: number, keep: ReadonlySet<string>): HeaderBlock | undefined {
  const headers: HttpHeader[] = [];
  let host: string | undefined;
  let pos = start;
  for (let count = 0; count < HTTP_MAX_HEADER_LINES; count++) {
    const next = lineAt(text, pos);
    if (next === undefined) break;
    pos = next.next;
    const line = next.line;
    if (line === '') {
      headers.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      return { headers, host, complete: true };
    }
    // An obsolete folded continuation line (RFC 9112 5.2) adds nothing we keep.
    if (line[0] === ' ' || line[0] === '\t') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) return undefined;
    const lower = name.toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (lower === 'host' && host === undefined) host = value;
    if (keep.has(lower)) headers.push({ key: canonicalHeaderKey(lower), value });
  }
  headers.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { headers, host, complete: false };
}

/** Parses the head of an HTTP/1.x message; anything else is rejected with a reason, never thrown. */
export function parseHttpHead(bytes: Uint8Array, options: HttpParseOptions): HttpParseResult {
  if (!looksLikeHttp(bytes)) return reject('not_http');
  const length = Math.min(bytes.length, HTTP_MAX_HEAD_BYTES);
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, length).toString('latin1');

  const start = lineAt(text, 0);
  if (start === undefined) return reject('incomplete_start_line');

  if (text.startsWith(RESPONSE_PREFIX)) {
    const firstSpace = start.line.indexOf(' ');
    if (firstSpace === -1) return reject('bad_status');
    const secondSpace = start.line.indexOf(' ', firstSpace + 1);
    const protocol = start.line.slice(0, firstSpace);
    const code = start.line.slice(firstSpace + 1, secondSpace === -1 ? undefined : secondSpace);
    if (!VERSION.test(protocol)) return reject('bad_version');
    if (!STATUS_CODE.test(code)) return reject('bad_status');
    const block = readHeaders(text, start.next, options.headers);
    if (block === undefined) return reject('bad_header');
    return {
      ok: true,
      message: { kind: 'response', protocol, code: Number(code), headers: block.headers, headersComplete: block.complete },
    };
  }

  const parts = start.line.split(' ');
  if (parts.length !== 3) return reject('bad_request_line');
  const [method, rawTarget, protocol] = parts as [string, string, string];
  if (!VERSION.test(protocol)) return reject('bad_version');
  if (!isValidTarget(method, rawTarget)) return reject('bad_target');
  const block = readHeaders(text, start.next, options.headers);
  if (block === undefined) return reject('bad_header');
  const request: HttpRequestHead = {
    kind: 'request',
    method,
    target: percentEncodeNonAscii(rawTarget),
    protocol,
    headers: block.headers,
    headersComplete: block.complete,
  };
  if (block.host !== undefined) request.host = block.host;
  return { ok: true, message: request };
}

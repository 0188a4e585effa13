// The head of an HTTP/1.x request or response from the first bytes of a TCP segment
// (or of TLS plaintext). The capture may cut the header block anywhere: the start line
// must be complete, header lines are taken while they are complete.

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'] as const;

// Header names kept on flows by default; credentials (authorization, cookie) are left out.
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

const canonicalKeys = new Map<string, string>();

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

// Only kept names are canonicalized, so this memo is bounded by the keep list.
function canonicalKeptKey(lowerName: string): string {
  let key = canonicalKeys.get(lowerName);
  if (key === undefined) {
    key = canonicalHeaderKey(lowerName);
    canonicalKeys.set(lowerName, key);
  }
  return key;
}

// RFC 9110 token characters, by char code.
const IS_TOKEN_CHAR = new Uint8Array(128);
for (const ch of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") IS_TOKEN_CHAR[ch.charCodeAt(0)] = 1;

function isToken(text: string, start: number, end: number): boolean {
  if (start >= end) return false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || IS_TOKEN_CHAR[c] === 0) return false;
  }
  return true;
}

function percentEncodeNonAscii(target: string): string {
  let ascii = true;
  for (let i = 0; i < target.length && ascii; i++) ascii = target.charCodeAt(i) < 0x80;
  if (ascii) return target;
  return target.replace(NON_ASCII, (ch) => '%' + ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'));
}

function isValidTarget(method: string, target: string): boolean {
  if (target === '' || CONTROL_OR_SPACE.test(target)) return false;
  if (target[0] === '/') return true;
  if (target === '*') return method === 'OPTIONS';
  if (target.startsWith('http://') || target.startsWith('https://')) return true;
  return method === 'CONNECT';
}

/** The end of the line starting at `start` (before any CR), or -1 when it was cut. */
function lineEnd(text: string, start: number): number {
  const newline = text.indexOf('\n', start);
  if (newline === -1) return -1;
  return newline > start && text.charCodeAt(newline - 1) === 0x0d ? newline - 1 : newline;
}

/** Where the line after the one ending at `end` starts. */
function nextLine(text: string, end: number): number {
  return text.charCodeAt(end) === 0x0d ? end + 2 : end + 1;
}

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

function byKey(a: HttpHeader, b: HttpHeader): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
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
  let complete = false;
  for (let count = 0; count < HTTP_MAX_HEADER_LINES; count++) {
    const end = lineEnd(text, pos);
    if (end === -1) break;
    if (end === pos) {
      complete = true;
      break;
    }
    const lineStart = pos;
    pos = nextLine(text, end);
    // An obsolete folded continuation line (RFC 9112 5.2) adds nothing we keep.
    if (isWhitespace(text.charCodeAt(lineStart))) continue;
    const colon = text.indexOf(':', lineStart);
    if (colon === -1 || colon >= end || !isToken(text, lineStart, colon)) return undefined;
    const lower = text.slice(lineStart, colon).toLowerCase();
    const isHost = lower === 'host' && host === undefined;
    if (!isHost && !keep.has(lower)) continue;
    let valueStart = colon + 1;
    let valueEnd = end;
    while (valueStart < valueEnd && isWhitespace(text.charCodeAt(valueStart))) valueStart++;
    while (valueEnd > valueStart && isWhitespace(text.charCodeAt(valueEnd - 1))) valueEnd--;
    const value = text.slice(valueStart, valueEnd);
    if (isHost) host = value;
    if (keep.has(lower)) headers.push({ key: canonicalKeptKey(lower), value });
  }
  if (headers.length > 1) headers.sort(byKey);
  return { headers, host, complete };
}

/** Parses the head of an HTTP/1.x message; anything else is rejected with a reason, never thrown. */
export function parseHttpHead(bytes: Uint8Array, options: HttpParseOptions): HttpParseResult {
  if (!looksLikeHttp(bytes)) return reject('not_http');
  const length = Math.min(bytes.length, HTTP_MAX_HEAD_BYTES);
  const text = Buffer.isBuffer(bytes)
    ? bytes.toString('latin1', 0, length)
    : Buffer.from(bytes.buffer, bytes.byteOffset, length).toString('latin1');

  const startEnd = lineEnd(text, 0);
  if (startEnd === -1) return reject('incomplete_start_line');
  const startLine = text.slice(0, startEnd);
  const headerStart = nextLine(text, startEnd);

  if (text.startsWith(RESPONSE_PREFIX)) {
    const firstSpace = startLine.indexOf(' ');
    if (firstSpace === -1) return reject('bad_status');
    const secondSpace = startLine.indexOf(' ', firstSpace + 1);
    const protocol = startLine.slice(0, firstSpace);
    const code = startLine.slice(firstSpace + 1, secondSpace === -1 ? undefined : secondSpace);
    if (!VERSION.test(protocol)) return reject('bad_version');
    if (!STATUS_CODE.test(code)) return reject('bad_status');
    const block = readHeaders(text, headerStart, options.headers);
    if (block === undefined) return reject('bad_header');
    return {
      ok: true,
      message: { kind: 'response', protocol, code: Number(code), headers: block.headers, headersComplete: block.complete },
    };
  }

  const parts = startLine.split(' ');
  if (parts.length !== 3) return reject('bad_request_line');
  const [method, rawTarget, protocol] = parts as [string, string, string];
  if (!VERSION.test(protocol)) return reject('bad_version');
  if (!isValidTarget(method, rawTarget)) return reject('bad_target');
  const block = readHeaders(text, headerStart, options.headers);
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

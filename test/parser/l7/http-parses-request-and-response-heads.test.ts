import { describe, expect, it } from 'vitest';
import { DEFAULT_HTTP_HEADERS, canonicalHeaderKey, parseHttpHead } from '../../../src/parser/l7/http.js';

const options = { headers: DEFAULT_HTTP_HEADERS };
const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');

describe('HTTP/1.x head parser', () => {
  it('reads a complete request: method, target, protocol, host and kept headers in name order', () => {
    const request = bytes(
      'GET /api/v1/items?limit=5 HTTP/1.1\r\n' +
        'Host: shop.test:8080\r\n' +
        'user-agent: curl/7.88.1\r\n' +
        'Authorization: Bearer secret\r\n' +
        'Cookie: session=secret\r\n' +
        'Accept: */*\r\n' +
        'X-Request-ID: 42\r\n' +
        '\r\n',
    );
    expect(parseHttpHead(request, options)).toEqual({
      ok: true,
      message: {
        kind: 'request',
        method: 'GET',
        target: '/api/v1/items?limit=5',
        protocol: 'HTTP/1.1',
        host: 'shop.test:8080',
        headers: [
          { key: 'Host', value: 'shop.test:8080' },
          { key: 'User-Agent', value: 'curl/7.88.1' },
          { key: 'X-Request-Id', value: '42' },
        ],
        headersComplete: true,
      },
    });
  });

  it('reads a response: protocol, status code and headers', () => {
    const response = bytes('HTTP/1.0 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\nnot found');
    expect(parseHttpHead(response, options)).toEqual({
      ok: true,
      message: {
        kind: 'response',
        protocol: 'HTTP/1.0',
        code: 404,
        headers: [
          { key: 'Content-Length', value: '9' },
          { key: 'Content-Type', value: 'text/plain' },
        ],
        headersComplete: true,
      },
    });
  });

  it('accepts a status line without a reason phrase and bare LF line ends', () => {
    const result = parseHttpHead(bytes('HTTP/1.1 204\nServer: x\n\n'), options);
    expect(result.ok && result.message.kind === 'response' && result.message.code).toBe(204);
  });

  it('takes the complete header lines of a head cut by the capture', () => {
    const head = 'POST /upload HTTP/1.1\r\nHost: files.test\r\nContent-Type: application/json\r\nContent-Le';
    const result = parseHttpHead(bytes(head), options);
    if (!result.ok) throw new Error(result.reason);
    expect(result.message).toMatchObject({
      kind: 'request',
      method: 'POST',
      host: 'files.test',
      headers: [
        { key: 'Content-Type', value: 'application/json' },
        { key: 'Host', value: 'files.test' },
      ],
      headersComplete: false,
    });
  });

  it('needs the whole start line', () => {
    expect(parseHttpHead(bytes('GET /a-very-long-pa'), options)).toEqual({ ok: false, reason: 'incomplete_start_line' });
    expect(parseHttpHead(bytes('HTTP/1.1 200 O'), options)).toEqual({ ok: false, reason: 'incomplete_start_line' });
  });

  it('keeps absolute, authority and asterisk targets where the method allows them', () => {
    const absolute = parseHttpHead(bytes('GET http://proxy.test/x HTTP/1.1\r\n\r\n'), options);
    expect(absolute.ok && absolute.message.kind === 'request' && absolute.message.target).toBe('http://proxy.test/x');
    const connect = parseHttpHead(bytes('CONNECT db.test:5432 HTTP/1.1\r\n\r\n'), options);
    expect(connect.ok && connect.message.kind === 'request' && connect.message.target).toBe('db.test:5432');
    const star = parseHttpHead(bytes('OPTIONS * HTTP/1.1\r\n\r\n'), options);
    expect(star.ok && star.message.kind === 'request' && star.message.target).toBe('*');
    expect(parseHttpHead(bytes('GET * HTTP/1.1\r\n\r\n'), options)).toEqual({ ok: false, reason: 'bad_target' });
  });

  it('percent-encodes raw non-ASCII bytes in the target', () => {
    const result = parseHttpHead(Buffer.concat([bytes('GET /caf'), Buffer.from([0xc3, 0xa9]), bytes(' HTTP/1.1\r\n\r\n')]), options);
    expect(result.ok && result.message.kind === 'request' && result.message.target).toBe('/caf%C3%A9');
  });

  it('keeps only the header names it is asked for', () => {
    const result = parseHttpHead(bytes('GET / HTTP/1.1\r\nHost: a\r\nX-Tenant: blue\r\n\r\n'), {
      headers: new Set(['x-tenant']),
    });
    expect(result.ok && result.message.headers).toEqual([{ key: 'X-Tenant', value: 'blue' }]);
    expect(result.ok && result.message.kind === 'request' && result.message.host).toBe('a');
  });

  it('canonicalizes header names as Go does', () => {
    expect(canonicalHeaderKey('x-forwarded-for')).toBe('X-Forwarded-For');
    expect(canonicalHeaderKey('CONTENT-TYPE')).toBe('Content-Type');
  });
});

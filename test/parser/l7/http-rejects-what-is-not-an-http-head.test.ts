import { describe, expect, it } from 'vitest';
import { DEFAULT_HTTP_HEADERS, looksLikeHttp, parseHttpHead } from '../../../src/parser/l7/http.js';

const options = { headers: DEFAULT_HTTP_HEADERS };
const parse = (text: string) => parseHttpHead(Buffer.from(text, 'latin1'), options);

describe('HTTP/1.x head parser rejections', () => {
  it('turns away body bytes, other protocols and unknown methods at the first bytes', () => {
    expect(parse('{"items":[1,2,3]}')).toEqual({ ok: false, reason: 'not_http' });
    expect(parse('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')).toEqual({ ok: false, reason: 'not_http' });
    expect(parse('BREW /pot HTTP/1.1\r\n\r\n')).toEqual({ ok: false, reason: 'not_http' });
    expect(parse('get / HTTP/1.1\r\n\r\n')).toEqual({ ok: false, reason: 'not_http' });
    expect(parse('')).toEqual({ ok: false, reason: 'not_http' });
    expect(looksLikeHttp(Buffer.from('DELETE /x'))).toBe(true);
  });

  it('rejects other protocol versions', () => {
    expect(parse('GET / HTTP/2.0\r\n\r\n')).toEqual({ ok: false, reason: 'bad_version' });
    expect(parse('GET / SPDY/3\r\n\r\n')).toEqual({ ok: false, reason: 'bad_version' });
    expect(parse('HTTP/1.1x 200 OK\r\n\r\n')).toEqual({ ok: false, reason: 'bad_version' });
  });

  it('rejects malformed request lines and targets', () => {
    expect(parse('GET /a b HTTP/1.1\r\n\r\n')).toEqual({ ok: false, reason: 'bad_request_line' });
    expect(parse('GET  HTTP/1.1\r\n\r\n')).toEqual({ ok: false, reason: 'bad_target' });
    expect(parse('GET relative HTTP/1.1\r\n\r\n')).toEqual({ ok: false, reason: 'bad_target' });
    expect(parse('GET /\x01 HTTP/1.1\r\n\r\n')).toEqual({ ok: false, reason: 'bad_target' });
  });

  it('rejects malformed status codes', () => {
    expect(parse('HTTP/1.1 20 OK\r\n\r\n')).toEqual({ ok: false, reason: 'bad_status' });
    expect(parse('HTTP/1.1 099 Odd\r\n\r\n')).toEqual({ ok: false, reason: 'bad_status' });
    expect(parse('HTTP/1.1 2000 OK\r\n\r\n')).toEqual({ ok: false, reason: 'bad_status' });
  });

  it('rejects header lines that are not name: value', () => {
    expect(parse('GET / HTTP/1.1\r\nno colon here\r\n\r\n')).toEqual({ ok: false, reason: 'bad_header' });
    expect(parse('GET / HTTP/1.1\r\n: empty name\r\n\r\n')).toEqual({ ok: false, reason: 'bad_header' });
    expect(parse('GET / HTTP/1.1\r\nbad name: x\r\n\r\n')).toEqual({ ok: false, reason: 'bad_header' });
  });
});

import { describe, expect, it } from 'vitest';
import { DnsNameCache } from '../../../src/parser/l7/dns-name-cache.js';
import { L7Tracker, type L7Observation } from '../../../src/parser/l7/l7-tracker.js';
import { CLIENT, MS, SERVER, fromClient, fromServer, text } from './payloads.js';

function flowOf(observation: L7Observation | undefined) {
  if (observation?.kind !== 'l7') throw new Error(`expected an L7 flow, got ${JSON.stringify(observation)}`);
  return observation.flow;
}

describe('L7 tracker, HTTP/1.x', () => {
  it('builds request and response flows like Hubble, latency included', () => {
    const tracker = new L7Tracker({ names: new DnsNameCache() });
    const request = flowOf(
      tracker.observe(fromClient(100n * MS, text('GET /healthz?verbose=1 HTTP/1.1\r\nHost: app.test\r\nUser-Agent: probe\r\n\r\n'))),
    );
    expect(request).toMatchObject({
      Type: 'L7',
      l7: {
        type: 'REQUEST',
        latency_ns: 0,
        record: 'http',
        http: {
          code: 0,
          method: 'GET',
          url: 'http://app.test/healthz?verbose=1',
          protocol: 'HTTP/1.1',
          headers: [
            { key: 'Host', value: 'app.test' },
            { key: 'User-Agent', value: 'probe' },
          ],
        },
      },
      Summary: 'HTTP/1.1 GET http://app.test/healthz?verbose=1',
      is_reply: { value: false },
      event_type: { type: 129 },
    });

    const response = flowOf(tracker.observe(fromServer(112n * MS + 345_678n, text('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'))));
    expect(response.l7).toEqual({
      type: 'RESPONSE',
      latency_ns: 12_345_678,
      record: 'http',
      http: {
        code: 200,
        method: 'GET',
        url: 'http://app.test/healthz?verbose=1',
        protocol: 'HTTP/1.1',
        headers: [{ key: 'Content-Length', value: '2' }],
      },
    });
    expect(response.Summary).toBe('HTTP/1.1 200 12ms (GET http://app.test/healthz?verbose=1)');
    expect(response.is_reply).toEqual({ value: true });
  });

  it('pairs pipelined requests with responses first in, first out', () => {
    const tracker = new L7Tracker({ names: new DnsNameCache() });
    tracker.observe(fromClient(0n, text('GET /a HTTP/1.1\r\nHost: h\r\n\r\n')));
    tracker.observe(fromClient(1n * MS, text('POST /b HTTP/1.1\r\nHost: h\r\n\r\n')));
    const first = flowOf(tracker.observe(fromServer(5n * MS, text('HTTP/1.1 200 OK\r\n\r\n'))));
    const second = flowOf(tracker.observe(fromServer(9n * MS, text('HTTP/1.1 201 Created\r\n\r\n'))));
    expect([first.l7.http?.method, first.l7.http?.url, first.l7.latency_ns]).toEqual(['GET', 'http://h/a', 5_000_000]);
    expect([second.l7.http?.method, second.l7.http?.url, second.l7.latency_ns]).toEqual(['POST', 'http://h/b', 8_000_000]);
    expect(tracker.tableStats().find((t) => t.table === 'http_pending')?.entries).toBe(0);
  });

  it('keeps connections apart', () => {
    const tracker = new L7Tracker({ names: new DnsNameCache() });
    const other = { sourcePort: CLIENT.port + 1 };
    tracker.observe(fromClient(0n, text('GET /one HTTP/1.1\r\nHost: h\r\n\r\n')));
    tracker.observe(fromClient(0n, text('GET /two HTTP/1.1\r\nHost: h\r\n\r\n'), other));
    const two = flowOf(tracker.observe(fromServer(3n * MS, text('HTTP/1.1 200 OK\r\n\r\n'), { destinationPort: CLIENT.port + 1 })));
    expect(two.l7.http?.url).toBe('http://h/two');
  });

  it('leaves the request pending across an interim 100 Continue', () => {
    const tracker = new L7Tracker({ names: new DnsNameCache() });
    tracker.observe(fromClient(0n, text('PUT /big HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n\r\n')));
    const interim = flowOf(tracker.observe(fromServer(1n * MS, text('HTTP/1.1 100 Continue\r\n\r\n'))));
    const final = flowOf(tracker.observe(fromServer(7n * MS, text('HTTP/1.1 204 No Content\r\n\r\n'))));
    expect(interim.l7.http?.url).toBe('http://h/big');
    expect(final.l7.http?.url).toBe('http://h/big');
    expect(final.l7.latency_ns).toBe(7_000_000);
  });

  it('answers an unpaired response with an empty method and URL and zero latency', () => {
    const tracker = new L7Tracker({ names: new DnsNameCache() });
    const response = flowOf(tracker.observe(fromServer(1n, text('HTTP/1.1 503 Service Unavailable\r\n\r\n'))));
    expect(response.Summary).toBe('HTTP/1.1 503 0ms ( )');
    expect(response.l7.latency_ns).toBe(0);
  });

  it('builds the URL from the connection when there is no Host, and uses https for TLS plaintext', () => {
    const tracker = new L7Tracker({ names: new DnsNameCache() });
    const noHost = flowOf(tracker.observe(fromClient(0n, text('GET /legacy HTTP/1.0\r\n\r\n'))));
    expect(noHost.l7.http?.url).toBe(`http://${SERVER.ip}:${SERVER.port}/legacy`);
    const v6 = flowOf(tracker.observe(fromClient(0n, text('GET / HTTP/1.0\r\n\r\n'), { destinationIp: 'fd00::7' })));
    expect(v6.l7.http?.url).toBe(`http://[fd00::7]:${SERVER.port}/`);
    const tls = flowOf(
      tracker.observe(fromClient(0n, text('GET /secure HTTP/1.1\r\nHost: bank.test\r\n\r\n'), { tlsPlaintext: true, destinationPort: 443 })),
    );
    expect(tls.Summary).toBe('HTTP/1.1 GET https://bank.test/secure');
  });

  it('reports a ClientHello on a TCP connection, and ignores other TLS records', () => {
    const tracker = new L7Tracker({ names: new DnsNameCache() });
    const serverHello = Buffer.from([22, 3, 3, 0, 4, 2, 0, 0, 0]);
    const appData = Buffer.from([23, 3, 3, 0, 2, 0xaa, 0xbb]);
    expect(tracker.observe(fromServer(0n, serverHello))).toBeUndefined();
    expect(tracker.observe(fromServer(0n, appData))).toBeUndefined();
    expect(tracker.rejections.total()).toBe(0);
    // A ClientHello whose record is cut right after the handshake header.
    const hello = tracker.observe(fromClient(0n, Buffer.from([22, 3, 1, 0, 200, 1, 0, 0, 196]), { destinationPort: 443 }));
    expect(hello).toEqual({
      kind: 'tls_client_hello',
      hello: { recordVersion: 0x0301, supportedVersions: [], alpn: [], complete: false },
      summary: 'TLS ClientHello',
    });
  });
});

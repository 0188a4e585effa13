import { describe, expect, it } from 'vitest';
import { TLS_READ, TLS_WRITE, type NativeRecord } from '../../../src/native/records.js';
import { DnsNameCache } from '../../../src/parser/l7/dns-name-cache.js';
import { L7FlowParser } from '../../../src/parser/l7/l7-flow-parser.js';
import type { Flow } from '../../../src/proto/flow.js';
import { record, reverse, TEST_TIME_NS } from '../../helpers/records.js';
import { MS, text } from './payloads.js';

// Payload records of one packet seen at two veths, TLS records seen in two processes, and
// ClientHellos, turned into L7 flows by the L7 flow parser.

const CLIENT_PID = 100;
const SERVER_PID = 200;

function payloadRecord(bytes: Buffer, overrides: Partial<NativeRecord> = {}): NativeRecord {
  return record({ kind: 'payload', reason: 'packet', tcpFlags: 0x18, payload: bytes, payloadTotalBytes: bytes.length, aux: 7, ...overrides });
}

function tlsRecord(bytes: Buffer, pid: number, aux: number, overrides: Partial<NativeRecord> = {}): NativeRecord {
  return record({ kind: 'tls', reason: 'none', ifindex: 0, payload: bytes, payloadTotalBytes: bytes.length, pid, aux, destinationPort: 443, ...overrides });
}

function l3l4(overrides: Partial<Flow> = {}): Flow {
  return {
    Type: 'L3_L4',
    Summary: 'TCP Flags: ACK, PSH',
    traffic_direction: 'EGRESS',
    trace_observation_point: 'FROM_ENDPOINT',
    interface: { index: 7, name: 'lxc1' },
    ...overrides,
  };
}

/** A ClientHello naming `serverName`, with no other extension. */
function clientHello(serverName: string): Buffer {
  const name = Buffer.from(serverName, 'latin1');
  const sni = Buffer.concat([Buffer.from([0, 0]), u16(name.length + 5), u16(name.length + 3), Buffer.from([0]), u16(name.length), name]);
  const body = Buffer.concat([Buffer.from([3, 3]), Buffer.alloc(32, 1), Buffer.from([0]), u16(2), Buffer.from([0x13, 0x01]), Buffer.from([1, 0]), u16(sni.length), sni]);
  const handshake = Buffer.concat([Buffer.from([1, 0]), u16(body.length), body]);
  return Buffer.concat([Buffer.from([0x16, 3, 1]), u16(handshake.length), handshake]);
}

function u16(value: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(value);
  return b;
}

describe('L7 flow parser', () => {
  it('makes one L7 flow of a packet seen at two observation points, placed where it was seen first', () => {
    const parser = new L7FlowParser({ nodeName: 'node-a', names: new DnsNameCache() });
    const bytes = text('GET /once HTTP/1.1\r\nHost: app\r\n\r\n');
    const first = parser.parse(payloadRecord(bytes), l3l4());
    const second = parser.parse(payloadRecord(bytes, { ifindex: 9, direction: 'egress', timeNs: TEST_TIME_NS + 20_000n }), l3l4({ traffic_direction: 'INGRESS' }));
    expect(second).toBeUndefined();
    expect(first).toMatchObject({
      Type: 'L7',
      verdict: 'FORWARDED',
      node_name: 'node-a',
      event_type: { type: 129 },
      IP: { source: '198.18.0.1', destination: '198.18.0.2', ipVersion: 'IPv4' },
      l4: { TCP: { source_port: 40000, destination_port: 80 } },
      traffic_direction: 'EGRESS',
      trace_observation_point: 'FROM_ENDPOINT',
      interface: { index: 7, name: 'lxc1' },
      l7: { type: 'REQUEST', http: { method: 'GET', url: 'http://app/once' } },
    });
    expect(first!.l4!.TCP!.flags).toBeUndefined();
    expect(first!.uuid).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('takes a retransmission once, and the next message on the connection anew', () => {
    const parser = new L7FlowParser({ nodeName: 'n', names: new DnsNameCache() });
    const bytes = text('GET /again HTTP/1.1\r\nHost: app\r\n\r\n');
    expect(parser.parse(payloadRecord(bytes), l3l4())).toBeDefined();
    expect(parser.parse(payloadRecord(bytes, { timeNs: TEST_TIME_NS + 200n * MS }), l3l4())).toBeUndefined();
    expect(parser.parse(payloadRecord(bytes, { aux: 8, timeNs: TEST_TIME_NS + 300n * MS }), l3l4())).toBeDefined();
  });

  it('tells a ClientHello in the Summary of every L3/L4 flow of its packet and makes no L7 flow of it', () => {
    const parser = new L7FlowParser({ nodeName: 'n', names: new DnsNameCache() });
    const hello = clientHello('shop.example');
    const atA = l3l4();
    const atB = l3l4({ trace_observation_point: 'TO_ENDPOINT' });
    expect(parser.parse(payloadRecord(hello, { destinationPort: 443 }), atA)).toBeUndefined();
    expect(parser.parse(payloadRecord(hello, { destinationPort: 443, ifindex: 9 }), atB)).toBeUndefined();
    expect(atA.Summary).toBe('TCP Flags: ACK, PSH; TLS ClientHello SNI: shop.example version: TLSv1.2');
    expect(atB.Summary).toBe(atA.Summary);
    expect(parser.rejections()).toEqual([]);
  });

  it('pairs TLS plaintext per process and orients each flow from the side that saw it', () => {
    const parser = new L7FlowParser({ nodeName: 'n', names: new DnsNameCache() });
    const request = text('GET /secret HTTP/1.1\r\nHost: bank\r\n\r\n');
    const response = text('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n');
    const sent = tlsRecord(request, CLIENT_PID, TLS_WRITE);
    const received = tlsRecord(request, SERVER_PID, TLS_READ, { timeNs: TEST_TIME_NS + 1n * MS });
    const answered = reverse(sent, { kind: 'tls', payload: response, payloadTotalBytes: response.length, pid: SERVER_PID, aux: TLS_WRITE, timeNs: TEST_TIME_NS + 3n * MS });
    const read = reverse(sent, { kind: 'tls', payload: response, payloadTotalBytes: response.length, pid: CLIENT_PID, aux: TLS_READ, timeNs: TEST_TIME_NS + 4n * MS });
    const flows = [sent, received, answered, read].map((r) => parser.parse(r, undefined));
    expect(flows.map((f) => `${f?.l7?.type} ${f?.traffic_direction} ${f?.l7?.latency_ns}`)).toEqual([
      'REQUEST EGRESS 0',
      'REQUEST INGRESS 0',
      `RESPONSE INGRESS ${Number(2n * MS)}`,
      `RESPONSE EGRESS ${Number(4n * MS)}`,
    ]);
    expect(flows[0]).toMatchObject({ trace_observation_point: 'UNKNOWN_POINT', l7: { http: { url: 'https://bank/secret' } } });
    expect(flows[3]).toMatchObject({ IP: { source: '198.18.0.2', destination: '198.18.0.1' }, l7: { http: { code: 200, method: 'GET', url: 'https://bank/secret' } } });
  });

  it('passes over TLS plaintext that starts no HTTP message without counting it as rejected', () => {
    const parser = new L7FlowParser({ nodeName: 'n', names: new DnsNameCache() });
    expect(parser.parse(tlsRecord(text('{"partial":"body"}'), CLIENT_PID, TLS_WRITE), undefined)).toBeUndefined();
    expect(parser.parse(tlsRecord(Buffer.from([0, 0, 0x12, 4, 0]), CLIENT_PID, TLS_WRITE), undefined)).toBeUndefined();
    expect(parser.rejections()).toEqual([]);
  });
});

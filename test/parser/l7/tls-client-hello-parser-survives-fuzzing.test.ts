import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TLS_REJECT_REASONS, parseTlsClientHello, type TlsParseResult } from '../../../src/parser/l7/tls-client-hello.js';
import { mutated } from './mutate.js';

const RUNS = 2000;

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

function extension(type: number, body: Buffer): Buffer {
  return Buffer.concat([u16(type), u16(body.length), body]);
}

// A ClientHello written from typed values (RFC 8446 4.1.2 layout).
function clientHello(serverName: string, alpn: string[], versions: number[]): Buffer {
  const host = Buffer.from(serverName, 'latin1');
  const sni = Buffer.concat([u16(host.length + 3), Buffer.from([0]), u16(host.length), host]);
  const protocols = Buffer.concat(alpn.map((p) => Buffer.concat([Buffer.from([p.length]), Buffer.from(p, 'latin1')])));
  const extensions = Buffer.concat([
    extension(0, sni),
    extension(16, Buffer.concat([u16(protocols.length), protocols])),
    extension(43, Buffer.concat([Buffer.from([versions.length * 2]), ...versions.map(u16)])),
  ]);
  const body = Buffer.concat([
    u16(0x0303),
    Buffer.alloc(32, 7),
    Buffer.from([0]),
    u16(4),
    Buffer.from([0x13, 0x01, 0x13, 0x02]),
    Buffer.from([1, 0]),
    u16(extensions.length),
    extensions,
  ]);
  const handshake = Buffer.concat([Buffer.from([1, 0, body.length >> 8, body.length & 0xff]), body]);
  return Buffer.concat([Buffer.from([22, 3, 1]), u16(handshake.length), handshake]);
}

const hostName = fc.stringMatching(/^[a-z0-9.-]{1,40}$/);
const alpnList = fc.array(fc.stringMatching(/^[a-z0-9/.]{1,10}$/), { minLength: 1, maxLength: 3 });
const versions = fc.array(fc.constantFrom(0x0301, 0x0302, 0x0303, 0x0304, 0x0a0a, 0x7a7a), { minLength: 1, maxLength: 4 });
const validHello = fc.tuple(hostName, alpnList, versions).map(([h, a, v]) => new Uint8Array(clientHello(h, a, v)));

function expectTyped(result: TlsParseResult): void {
  if (result.ok) expect(Array.isArray(result.hello.alpn)).toBe(true);
  else expect(TLS_REJECT_REASONS).toContain(result.reason);
}

describe('TLS ClientHello parser under fuzzing', () => {
  it('reads back what a generated ClientHello carries, GREASE left out', () => {
    fc.assert(
      fc.property(hostName, alpnList, versions, (h, a, v) => {
        const result = parseTlsClientHello(clientHello(h, a, v));
        if (!result.ok) throw new Error(result.reason);
        expect(result.hello.serverName).toBe(h);
        expect(result.hello.alpn).toEqual(a);
        expect(result.hello.supportedVersions).toEqual(v.filter((x) => x !== 0x0a0a && x !== 0x7a7a));
        expect(result.hello.complete).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('never throws on random bytes, with or without a handshake record header', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        expectTyped(parseTlsClientHello(bytes));
        expectTyped(parseTlsClientHello(Buffer.concat([Buffer.from([22, 3, 1, 1, 0, 1]), bytes])));
      }),
      { numRuns: RUNS },
    );
  });

  it('never throws on damaged ClientHellos', () => {
    fc.assert(
      fc.property(mutated(validHello), (bytes) => expectTyped(parseTlsClientHello(bytes))),
      { numRuns: RUNS },
    );
  });
});

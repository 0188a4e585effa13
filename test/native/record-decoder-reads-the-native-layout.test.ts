import { describe, expect, it } from 'vitest';
import {
  decodeRecords,
  MAX_RECORD_BYTES,
  OFFSET_BYTES,
  OFFSET_DADDR,
  OFFSET_DIRECTION,
  OFFSET_DPORT,
  OFFSET_FAMILY,
  OFFSET_IFINDEX,
  OFFSET_KIND,
  OFFSET_PACKETS,
  OFFSET_PAYLOAD_LEN,
  OFFSET_PROTOCOL,
  OFFSET_REASON,
  OFFSET_SADDR,
  OFFSET_SIZE,
  OFFSET_SPORT,
  OFFSET_TCP_FLAGS,
  OFFSET_TIME_NS,
  RECORD_BYTES,
  type NativeRecord,
} from '../../src/native/records.js';

// The offsets come from records.ts itself, which struct-layouts-match-the-compiled-c holds
// to the C compiler's: this test pins the decoding, that one the layout.

interface RawRecord {
  size?: number;
  kind?: number;
  reason?: number;
  ifindex?: number;
  timeNs?: bigint;
  packets?: bigint;
  bytes?: bigint;
  saddr?: number[];
  daddr?: number[];
  sport?: number;
  dport?: number;
  family?: number;
  protocol?: number;
  direction?: number;
  tcpFlags?: number;
  payload?: Buffer;
}

/** Lays out one record at the exported offsets, from readable values. */
function raw(r: RawRecord): Buffer {
  const payload = r.payload ?? Buffer.alloc(0);
  const size = r.size ?? RECORD_BYTES + Math.ceil(payload.length / 8) * 8;
  const buf = Buffer.alloc(Math.max(size, RECORD_BYTES + payload.length));
  buf.writeUInt16LE(size, OFFSET_SIZE);
  buf[OFFSET_KIND] = r.kind ?? 1;
  buf[OFFSET_REASON] = r.reason ?? 1;
  buf.writeUInt32LE(r.ifindex ?? 7, OFFSET_IFINDEX);
  buf.writeBigUInt64LE(r.timeNs ?? 1_700_000_000_000_000_001n, OFFSET_TIME_NS);
  buf.writeBigUInt64LE(r.packets ?? 1n, OFFSET_PACKETS);
  buf.writeBigUInt64LE(r.bytes ?? 74n, OFFSET_BYTES);
  Buffer.from(r.saddr ?? [198, 18, 0, 1]).copy(buf, OFFSET_SADDR);
  Buffer.from(r.daddr ?? [198, 18, 0, 2]).copy(buf, OFFSET_DADDR);
  buf.writeUInt16LE(r.sport ?? 40000, OFFSET_SPORT);
  buf.writeUInt16LE(r.dport ?? 80, OFFSET_DPORT);
  buf[OFFSET_FAMILY] = r.family ?? 4;
  buf[OFFSET_PROTOCOL] = r.protocol ?? 6;
  buf[OFFSET_DIRECTION] = r.direction ?? 1;
  buf[OFFSET_TCP_FLAGS] = r.tcpFlags ?? 0x02;
  buf.writeUInt16LE(payload.length, OFFSET_PAYLOAD_LEN);
  payload.copy(buf, RECORD_BYTES);
  return buf.subarray(0, size);
}

function decodeAll(buf: Buffer): { records: NativeRecord[]; malformed: number } {
  const records: NativeRecord[] = [];
  const malformed = decodeRecords(buf, buf.length, (r) => records.push(r));
  return { records, malformed };
}

const v6 = (...groups: number[]): number[] => groups.flatMap((g) => [g >> 8, g & 0xff]);

describe('record decoder', () => {
  it('reads every field of a flow record', () => {
    const { records, malformed } = decodeAll(raw({ reason: 3, packets: 12n, bytes: 3400n, tcpFlags: 0x18, direction: 2 }));
    expect(malformed).toBe(0);
    expect(records).toEqual([
      {
        kind: 'flow', reason: 'report', ifindex: 7, timeNs: 1_700_000_000_000_000_001n, packets: 12, bytes: 3400, family: 4,
        source: '198.18.0.1', destination: '198.18.0.2', sourcePort: 40000, destinationPort: 80, protocol: 6, direction: 'egress',
        tcpFlags: 0x18, icmpType: 0, icmpCode: 0, dropReason: 0, pid: 0, aux: 0,
      },
    ]);
  });

  it('writes IPv6 addresses in RFC 5952 form', () => {
    const cases: [number[], string][] = [
      [v6(0xfd00, 0x213, 0x5, 0, 0, 0, 0, 1), 'fd00:213:5::1'],
      [v6(0, 0, 0, 0, 0, 0, 0, 0), '::'],
      [v6(0, 0, 0, 0, 0, 0, 0, 1), '::1'],
      [v6(0xfe80, 0, 0, 0, 0x842a, 0xf7ff, 0xfeea, 0xa672), 'fe80::842a:f7ff:feea:a672'],
      [v6(0x2001, 0xdb8, 0, 1, 1, 1, 1, 1), '2001:db8:0:1:1:1:1:1'],
      [v6(0x2001, 0, 0, 1, 0, 0, 0, 1), '2001:0:0:1::1'],
      [v6(0x2001, 0xdb8, 0, 0, 1, 0, 0, 1), '2001:db8::1:0:0:1'],
      [v6(0xff02, 0, 0, 0, 0, 0, 0, 0), 'ff02::'],
      [v6(0, 0, 0, 0, 0, 0xffff, 0xc612, 0x0001), '::ffff:198.18.0.1'],
    ];
    for (const [saddr, text] of cases) {
      expect(decodeAll(raw({ family: 6, saddr })).records[0]!.source).toBe(text);
    }
  });

  it('decodes consecutive records and copies payloads', () => {
    const payload = Buffer.from('GET / HTTP/1.1\r\n');
    const { records, malformed } = decodeAll(Buffer.concat([raw({ sport: 1 }), raw({ kind: 4, payload }), raw({ sport: 3 })]));
    expect(malformed).toBe(0);
    expect(records.map((r) => r.sourcePort)).toEqual([1, 40000, 3]);
    expect(records[1]!.payload).toEqual(payload);
  });

  it('skips a record of an unknown kind by its size, and stops at a size that cannot be right', () => {
    const unknownKind = decodeAll(Buffer.concat([raw({ kind: 99 }), raw({ sport: 2 })]));
    expect(unknownKind.records.map((r) => r.sourcePort)).toEqual([2]);
    expect(unknownKind.malformed).toBe(RECORD_BYTES);
    for (const size of [0, 8, RECORD_BYTES + 4, MAX_RECORD_BYTES + 8]) {
      const broken = Buffer.concat([raw({}), raw({}), raw({})]);
      broken.writeUInt16LE(size, RECORD_BYTES + OFFSET_SIZE);
      const { records, malformed } = decodeAll(broken);
      expect(records).toHaveLength(1);
      expect(malformed).toBe(2 * RECORD_BYTES);
    }
  });

  it('treats a trailing partial record as malformed', () => {
    const { records, malformed } = decodeAll(Buffer.concat([raw({}), raw({}).subarray(0, 40)]));
    expect(records).toHaveLength(1);
    expect(malformed).toBe(40);
  });
});

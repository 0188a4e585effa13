import fc from 'fast-check';
import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { DNS_REJECT_REASONS, parseDns, parseDnsOverTcp, type DnsParseResult } from '../../../src/parser/l7/dns.js';
import { TYPE, buildDnsMessage, ipBytes, withTcpLengthPrefix, type MessageSpec } from './dns-message-builder.js';
import { mutated } from './mutate.js';

const RUNS = 2000;

const label = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,14}$/);
const name = fc.array(label, { minLength: 1, maxLength: 5 }).map((labels) => labels.join('.') + '.');
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((b) => b.join('.'));
const ipv6 = fc
  .array(fc.oneof(fc.constant(0), fc.nat(0xffff)), { minLength: 8, maxLength: 8 })
  .map((groups) => groups.map((g) => g.toString(16)).join(':'));
const answer = fc.oneof(
  fc.record({ name, type: fc.constant<number>(TYPE.A), ttl: fc.nat(), ip: ipv4 }),
  fc.record({ name, type: fc.constant<number>(TYPE.AAAA), ttl: fc.nat(), ip: ipv6 }),
  fc.record({ name, type: fc.constant<number>(TYPE.CNAME), ttl: fc.nat(), cname: name }),
  fc.record({ name, type: fc.constant<number>(TYPE.TXT), ttl: fc.nat(), raw: fc.uint8Array({ maxLength: 20 }) }),
);
const spec: fc.Arbitrary<MessageSpec> = fc.record({
  id: fc.nat(0xffff),
  response: fc.boolean(),
  rcode: fc.nat(15),
  questions: fc.array(fc.record({ name, type: fc.constantFrom<number>(TYPE.A, TYPE.AAAA, TYPE.MX, TYPE.HTTPS) }), {
    minLength: 1,
    maxLength: 2,
  }),
  answers: fc.array(answer, { maxLength: 8 }),
  compress: fc.boolean(),
});
const validMessage = spec.map((s) => new Uint8Array(buildDnsMessage(s)));

function expectTyped(result: DnsParseResult): void {
  if (result.ok) {
    expect(result.message.answers.length).toBeLessThanOrEqual(64);
    for (const q of result.message.questions) expect(typeof q.name).toBe('string');
  } else {
    expect(DNS_REJECT_REASONS).toContain(result.reason);
  }
}

describe('DNS parser under fuzzing', () => {
  it('round-trips every message the builder can write', () => {
    fc.assert(
      fc.property(spec, (s) => {
        const result = parseDns(buildDnsMessage(s));
        if (!result.ok) throw new Error(result.reason);
        expect(result.message.id).toBe(s.id);
        expect(result.message.questions.map((q) => q.name)).toEqual(s.questions.map((q) => q.name));
        expect(result.message.answers.map((a) => a.cname ?? a.type)).toEqual(
          (s.answers ?? []).map((a) => a.cname ?? a.type),
        );
        result.message.answers.forEach((a, i) => {
          if (a.ip === undefined) return;
          expect(isIP(a.ip)).toBeGreaterThan(0);
          expect(a.ip).not.toMatch(/(^|:)0[0-9a-f]|[A-F]|:::/);
          expect(ipBytes(a.ip)).toEqual(ipBytes(s.answers![i]!.ip!));
        });
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on random bytes, and always returns a typed result', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.boolean(), (bytes, cut) => {
        expectTyped(parseDns(bytes, { captureTruncated: cut }));
        expectTyped(parseDnsOverTcp(bytes));
      }),
      { numRuns: RUNS },
    );
  });

  it('never throws on damaged valid messages, over UDP and TCP', () => {
    fc.assert(
      fc.property(mutated(validMessage), fc.boolean(), (bytes, cut) => {
        expectTyped(parseDns(bytes, { captureTruncated: cut }));
        expectTyped(parseDnsOverTcp(withTcpLengthPrefix(Buffer.from(bytes))));
      }),
      { numRuns: RUNS },
    );
  });

  it('stays bounded on a message that is nothing but pointers', () => {
    // 12-byte header claiming 4 questions, then 3000 bytes of pointers to each other.
    const bytes = Buffer.alloc(12 + 3000);
    bytes.writeUInt16BE(4, 4);
    for (let at = 12; at + 1 < bytes.length; at += 2) bytes.writeUInt16BE(0xc000 | ((at + 2) & 0x3fff), at);
    expectTyped(parseDns(bytes));
  });
});

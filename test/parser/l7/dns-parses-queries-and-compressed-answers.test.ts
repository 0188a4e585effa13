import { describe, expect, it } from 'vitest';
import { parseDns } from '../../../src/parser/l7/dns.js';
import { TYPE, buildDnsMessage } from './dns-message-builder.js';

describe('DNS parser', () => {
  it('reads a query: id, flags, name and type', () => {
    const bytes = buildDnsMessage({ id: 0x1234, questions: [{ name: 'example.com.', type: TYPE.A }] });
    const result = parseDns(bytes);
    expect(result).toEqual({
      ok: true,
      message: {
        id: 0x1234,
        isResponse: false,
        opcode: 0,
        rcode: 0,
        truncated: false,
        questions: [{ name: 'example.com.', type: TYPE.A, class: 1 }],
        answers: [],
        answersComplete: true,
      },
    });
  });

  it('follows compression pointers in owner names and CNAME targets', () => {
    const bytes = buildDnsMessage({
      id: 7,
      response: true,
      questions: [{ name: 'www.example.com', type: TYPE.A }],
      answers: [
        { name: 'www.example.com', type: TYPE.CNAME, ttl: 600, cname: 'edge.example.com' },
        { name: 'edge.example.com', type: TYPE.A, ttl: 30, ip: '192.0.2.10' },
        { name: 'edge.example.com', type: TYPE.A, ttl: 60, ip: '192.0.2.11' },
        { name: 'edge.example.com', type: TYPE.AAAA, ttl: 60, ip: '2001:db8::1' },
      ],
    });
    // The names are really compressed: "example.com" is spelled once, "edge" points to it.
    const spelled = Buffer.from('\x07example\x03com');
    expect(bytes.indexOf(spelled)).toBe(bytes.lastIndexOf(spelled));
    expect(bytes.includes(Buffer.from('\x04edge\xc0', 'latin1'))).toBe(true);

    const result = parseDns(bytes);
    if (!result.ok) throw new Error(result.reason);
    expect(result.message.isResponse).toBe(true);
    expect(result.message.answers).toEqual([
      { name: 'www.example.com.', type: TYPE.CNAME, class: 1, ttl: 600, cname: 'edge.example.com.' },
      { name: 'edge.example.com.', type: TYPE.A, class: 1, ttl: 30, ip: '192.0.2.10' },
      { name: 'edge.example.com.', type: TYPE.A, class: 1, ttl: 60, ip: '192.0.2.11' },
      { name: 'edge.example.com.', type: TYPE.AAAA, class: 1, ttl: 60, ip: '2001:db8::1' },
    ]);
    expect(result.message.answersComplete).toBe(true);
  });

  it('prints IPv6 answers in RFC 5952 form', () => {
    const cases: Array<[string, string]> = [
      ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
      ['2001:db8:0:1:0:0:0:1', '2001:db8:0:1::1'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      ['0:0:0:0:0:0:0:0', '::'],
      ['0:0:0:0:0:0:0:1', '::1'],
      ['fe80:0:0:0:0:0:0:0', 'fe80::'],
      ['2001:db8:1:2:3:4:0:5', '2001:db8:1:2:3:4:0:5'],
    ];
    for (const [written, printed] of cases) {
      const bytes = buildDnsMessage({
        id: 1,
        response: true,
        questions: [{ name: 'v6.test', type: TYPE.AAAA }],
        answers: [{ name: 'v6.test', type: TYPE.AAAA, ttl: 1, ip: written }],
      });
      const result = parseDns(bytes);
      expect(result.ok && result.message.answers[0]?.ip).toBe(printed);
    }
  });

  it('reads the response code, the TC bit and the root name', () => {
    const bytes = buildDnsMessage({ id: 9, response: true, rcode: 3, truncated: true, questions: [{ name: '.', type: TYPE.NS }] });
    const result = parseDns(bytes);
    if (!result.ok) throw new Error(result.reason);
    expect(result.message.rcode).toBe(3);
    expect(result.message.truncated).toBe(true);
    expect(result.message.questions[0]?.name).toBe('.');
  });

  it('escapes dots, backslashes and unprintable bytes inside labels', () => {
    const bytes = buildDnsMessage({ id: 1, questions: [{ name: 'x', type: TYPE.A }] });
    // Rewrite the one-byte label "x" (at offset 13) into a 3-byte label "a.\x01".
    const odd = Buffer.concat([bytes.subarray(0, 12), Buffer.from([3, 0x61, 0x2e, 0x01, 0]), bytes.subarray(15)]);
    const result = parseDns(odd);
    expect(result.ok && result.message.questions[0]?.name).toBe('a\\046\\001.');
  });

  it('skips the data of record types it does not read', () => {
    const bytes = buildDnsMessage({
      id: 2,
      response: true,
      questions: [{ name: 'mail.test', type: TYPE.MX }],
      answers: [
        { name: 'mail.test', type: TYPE.TXT, ttl: 5, raw: Buffer.from('\x05hello') },
        { name: 'mail.test', type: TYPE.A, ttl: 5, ip: '198.18.0.1' },
      ],
    });
    const result = parseDns(bytes);
    if (!result.ok) throw new Error(result.reason);
    expect(result.message.answers.map((a) => [a.type, a.ip])).toEqual([
      [TYPE.TXT, undefined],
      [TYPE.A, '198.18.0.1'],
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { parseDns } from '../../../src/parser/l7/dns.js';
import { TYPE, buildDnsMessage } from './dns-message-builder.js';

const HEADER = 12;

function header(questions: number, answers: number, flags = 0x8180): Buffer {
  const h = Buffer.alloc(HEADER);
  h.writeUInt16BE(0xbeef, 0);
  h.writeUInt16BE(flags, 2);
  h.writeUInt16BE(questions, 4);
  h.writeUInt16BE(answers, 6);
  return h;
}

const question = Buffer.from('\x04test\x00\x00\x01\x00\x01', 'latin1');

describe('DNS parser rejections', () => {
  it('rejects a message shorter than the header', () => {
    expect(parseDns(Buffer.alloc(11))).toEqual({ ok: false, reason: 'too_short' });
  });

  it('rejects a message without a question, or with implausibly many', () => {
    expect(parseDns(header(0, 0))).toEqual({ ok: false, reason: 'no_question' });
    expect(parseDns(Buffer.concat([header(200, 0), question]))).toEqual({ ok: false, reason: 'too_many_questions' });
  });

  it('rejects a pointer to itself, a forward pointer and a pointer into the header', () => {
    // A pointer at offset 12 that points to offset 12.
    const self = Buffer.concat([header(1, 0), Buffer.from([0xc0, HEADER, 0, 1, 0, 1])]);
    expect(parseDns(self)).toEqual({ ok: false, reason: 'bad_pointer' });
    const forward = Buffer.concat([header(1, 0), Buffer.from([0xc0, HEADER + 6, 0, 1, 0, 1, 0])]);
    expect(parseDns(forward)).toEqual({ ok: false, reason: 'bad_pointer' });
    const intoHeader = Buffer.concat([header(1, 0), Buffer.from([0xc0, 2, 0, 1, 0, 1])]);
    expect(parseDns(intoHeader)).toEqual({ ok: false, reason: 'bad_pointer' });
  });

  it('rejects a two-pointer loop in an answer name', () => {
    // Question at 12 ("\x04test\0" + type/class = 11 bytes); the answer name at 23 is
    // label "a" then a pointer back to 23: a cycle through a label.
    const answer = Buffer.from([1, 0x61, 0xc0, 23, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4, 1, 2, 3, 4]);
    expect(parseDns(Buffer.concat([header(1, 1), question, answer]))).toEqual({ ok: false, reason: 'bad_pointer' });
  });

  it('rejects the reserved label types 0x40 and 0x80', () => {
    expect(parseDns(Buffer.concat([header(1, 0), Buffer.from([0x41, 0, 0, 1, 0, 1])]))).toEqual({
      ok: false,
      reason: 'bad_label_type',
    });
    expect(parseDns(Buffer.concat([header(1, 0), Buffer.from([0x81, 0, 0, 1, 0, 1])]))).toEqual({
      ok: false,
      reason: 'bad_label_type',
    });
  });

  it('rejects a name longer than 255 bytes on the wire', () => {
    const label = Buffer.concat([Buffer.from([63]), Buffer.alloc(63, 0x61)]);
    const name = Buffer.concat([label, label, label, label, Buffer.from([0])]);
    expect(parseDns(Buffer.concat([header(1, 0), name, Buffer.from([0, 1, 0, 1])]))).toEqual({
      ok: false,
      reason: 'name_too_long',
    });
  });

  it('rejects a question cut short', () => {
    const bytes = buildDnsMessage({ id: 1, questions: [{ name: 'example.com', type: TYPE.A }] });
    for (let cut = HEADER; cut < bytes.length; cut++) {
      expect(parseDns(bytes.subarray(0, cut))).toEqual({ ok: false, reason: 'question_out_of_bounds' });
    }
  });

  it('rejects A and AAAA data of the wrong length', () => {
    const bytes = buildDnsMessage({
      id: 1,
      response: true,
      questions: [{ name: 'a.test', type: TYPE.A }],
      answers: [{ name: 'a.test', type: TYPE.A, ttl: 1, raw: Buffer.from([1, 2, 3]) }],
    });
    expect(parseDns(bytes)).toEqual({ ok: false, reason: 'bad_rdata_length' });
    const v6 = buildDnsMessage({
      id: 1,
      response: true,
      questions: [{ name: 'a.test', type: TYPE.AAAA }],
      answers: [{ name: 'a.test', type: TYPE.AAAA, ttl: 1, raw: Buffer.alloc(4) }],
    });
    expect(parseDns(v6)).toEqual({ ok: false, reason: 'bad_rdata_length' });
  });

  it('rejects answers that overrun a complete message, but keeps what fits in a truncated capture', () => {
    const bytes = buildDnsMessage({
      id: 1,
      response: true,
      questions: [{ name: 'many.test', type: TYPE.A }],
      answers: [1, 2, 3].map((n) => ({ name: 'many.test', type: TYPE.A, ttl: 9, ip: `198.18.0.${n}` })),
    });
    const cut = bytes.subarray(0, bytes.length - 2);
    expect(parseDns(cut)).toEqual({ ok: false, reason: 'answer_out_of_bounds' });
    const partial = parseDns(cut, { captureTruncated: true });
    if (!partial.ok) throw new Error(partial.reason);
    expect(partial.message.answers.map((a) => a.ip)).toEqual(['198.18.0.1', '198.18.0.2']);
    expect(partial.message.answersComplete).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { parseDnsOverTcp } from '../../../src/parser/l7/dns.js';
import { TYPE, buildDnsMessage, withTcpLengthPrefix } from './dns-message-builder.js';

describe('DNS over TCP', () => {
  const message = buildDnsMessage({
    id: 77,
    response: true,
    questions: [{ name: 'tcp.test', type: TYPE.A }],
    answers: [
      { name: 'tcp.test', type: TYPE.A, ttl: 3, ip: '198.19.8.7' },
      { name: 'tcp.test', type: TYPE.A, ttl: 3, ip: '198.19.8.6' },
    ],
  });

  it('parses the message after the 2-byte length', () => {
    const result = parseDnsOverTcp(withTcpLengthPrefix(message));
    if (!result.ok) throw new Error(result.reason);
    expect(result.message.id).toBe(77);
    expect(result.message.answers.map((a) => a.ip)).toEqual(['198.19.8.7', '198.19.8.6']);
    expect(result.message.answersComplete).toBe(true);
  });

  it('reads only the first message when a segment carries two', () => {
    const two = Buffer.concat([withTcpLengthPrefix(message), withTcpLengthPrefix(message)]);
    const result = parseDnsOverTcp(two);
    expect(result.ok && result.message.answers.length).toBe(2);
  });

  it('treats a segment shorter than the announced length as a cut capture', () => {
    const cut = withTcpLengthPrefix(message).subarray(0, message.length - 2);
    const result = parseDnsOverTcp(cut);
    if (!result.ok) throw new Error(result.reason);
    expect(result.message.answers.map((a) => a.ip)).toEqual(['198.19.8.7']);
    expect(result.message.answersComplete).toBe(false);
  });

  it('rejects a length prefix smaller than a DNS header', () => {
    const bad = Buffer.concat([Buffer.from([0, 5]), message]);
    expect(parseDnsOverTcp(bad)).toEqual({ ok: false, reason: 'bad_tcp_length' });
    expect(parseDnsOverTcp(Buffer.from([0, 12, 1]))).toEqual({ ok: false, reason: 'too_short' });
  });
});

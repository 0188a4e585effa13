import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DnsNameCache } from '../../../src/parser/l7/dns-name-cache.js';
import { L7Tracker } from '../../../src/parser/l7/l7-tracker.js';
import { fromClient } from './payloads.js';

const RUNS = 2000;

describe('L7 tracker under fuzzing', () => {
  it('never throws, and counts each DNS payload it turns away', () => {
    const tracker = new L7Tracker({ names: new DnsNameCache() });
    let turnedAway = 0;
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.boolean(), fc.boolean(), (payload, tcp, cut) => {
        const flow = tracker.observe(
          fromClient(1n, payload, { protocol: tcp ? 'TCP' : 'UDP', destinationPort: 53, payloadTruncated: cut }),
        );
        if (flow === undefined) turnedAway++;
        else expect(flow.kind).toBe('l7');
      }),
      { numRuns: RUNS },
    );
    expect(turnedAway).toBeGreaterThan(0);
    expect(tracker.rejections.total('dns')).toBe(turnedAway);
    expect(tracker.rejections.total()).toBe(turnedAway);
  });

  it('never throws on TCP payloads, and counts each one that is neither HTTP nor TLS', () => {
    const tracker = new L7Tracker({ names: new DnsNameCache() });
    let turnedAway = 0;
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.constantFrom('', 'GET ', 'HTTP/1.', '\x16\x03\x01'), (bytes, prefix) => {
        const payload = Buffer.concat([Buffer.from(prefix, 'latin1'), bytes]);
        const isTls = payload[0]! >= 20 && payload[0]! <= 23 && payload[1] === 3;
        const flow = tracker.observe(fromClient(1n, payload));
        if (flow === undefined && !isTls) turnedAway++;
      }),
      { numRuns: RUNS },
    );
    expect(tracker.rejections.total('http')).toBe(turnedAway);
    const reasons = tracker.rejections.snapshot().map((r) => `${r.protocol}/${r.reason}`);
    expect(reasons).toContain('http/not_http');
    expect(reasons.some((r) => r.startsWith('tls/'))).toBe(true);
  });
});

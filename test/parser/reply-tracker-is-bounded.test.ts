import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { NativeRecord } from '../../src/native/records.js';
import { ReplyTracker } from '../../src/parser/reply-tracker.js';
import { encodeRecord } from '../helpers/record-flows.js';
import { record, reverse } from '../helpers/records.js';

// The tracker reads records in the native layout.
const observe = (tracker: ReplyTracker, r: NativeRecord): boolean => tracker.observe(encodeRecord(r), 0);
const peek = (tracker: ReplyTracker, r: NativeRecord): boolean => tracker.peek(encodeRecord(r), 0);

describe('reply tracker', () => {
  it('never holds more connections than its capacity', () => {
    const tracker = new ReplyTracker(100);
    for (let port = 1; port <= 1000; port++) {
      observe(tracker, record({ protocol: 17, sourcePort: port }));
      expect(tracker.size).toBeLessThanOrEqual(100);
    }
    // Generational forgetting keeps at least the most recent half.
    expect(tracker.size).toBeGreaterThanOrEqual(50);
    // Every connection it no longer holds was counted as it went.
    expect(tracker.tableStats()).toEqual({ entries: tracker.size, capacity: 100, evictions: 1000 - tracker.size });
  });

  it('keeps connections that stay busy while newer ones come and go', () => {
    const tracker = new ReplyTracker(100);
    const busy = record({ protocol: 17, sourcePort: 9, destinationPort: 5000 });
    observe(tracker, busy);
    for (let port = 10_000; port < 11_000; port++) {
      observe(tracker, record({ protocol: 17, sourcePort: port }));
      observe(tracker, busy);
    }
    // Were it forgotten, the reversed packet would be taken for a new request.
    expect(observe(tracker, reverse(busy))).toBe(true);
  });

  it('peek learns nothing', () => {
    const tracker = new ReplyTracker(100);
    const query = record({ protocol: 17 });
    expect(peek(tracker, query)).toBe(false);
    expect(tracker.size).toBe(0);
    expect(peek(tracker, reverse(query))).toBe(false);
  });
});

// The rules of the tracker's header comment, kept in a plain map keyed by the tuple's text:
// what the tracker must answer while it forgets nothing.
class ReferenceTracker {
  private readonly initiators = new Map<string, string>();

  classify(r: NativeRecord, learn: boolean): boolean {
    if (r.protocol === 1) return [0, 3, 4, 5, 9, 11, 12, 14, 16, 18].includes(r.icmpType);
    if (r.protocol === 58) return [1, 2, 3, 4, 129, 134, 136, 137].includes(r.icmpType);
    const from = `${r.family}/${r.source}/${r.sourcePort}`;
    const to = `${r.family}/${r.destination}/${r.destinationPort}`;
    const key = `${r.protocol} ${[from, to].sort().join(' ')}`;
    if (r.protocol === 6 && r.tcpFlags & 0x02) {
      const fromResponder = (r.tcpFlags & 0x10) !== 0;
      if (learn) this.initiators.set(key, fromResponder ? to : from);
      return fromResponder;
    }
    const initiator = this.initiators.get(key);
    if (initiator !== undefined) return initiator !== from;
    const sourceIsInitiator = r.protocol === 6 ? r.sourcePort >= r.destinationPort : true;
    if (learn) this.initiators.set(key, sourceIsInitiator ? from : to);
    return !sourceIsInitiator;
  }
}

const ADDRESSES = { 4: ['198.18.0.1', '198.18.0.2', '198.18.0.1'], 6: ['fd00::1', 'fd00::2', 'fd00:1::1', '::ffff:c612:1', 'c612:1::'] } as const;

describe('reply tracker answers', () => {
  it('as the rules say, in both families and both directions of every connection', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            family: fc.constantFrom(4 as const, 6 as const),
            source: fc.nat(4),
            destination: fc.nat(4),
            sourcePort: fc.constantFrom(0, 53, 80, 40000, 65535),
            destinationPort: fc.constantFrom(0, 53, 80, 40000, 65535),
            protocol: fc.constantFrom(6, 17, 1, 58, 132),
            tcpFlags: fc.constantFrom(0x00, 0x02, 0x10, 0x12, 0x11, 0x04),
            icmpType: fc.constantFrom(0, 3, 8, 128, 129),
            dropped: fc.boolean(),
          }),
          { minLength: 1, maxLength: 60 },
        ),
        (drawn) => {
          const tracker = new ReplyTracker(1 << 16);
          const reference = new ReferenceTracker();
          for (const { family, source, destination, dropped, ...fields } of drawn) {
            const pool = ADDRESSES[family];
            const r = record({ ...fields, family, source: pool[source % pool.length]!, destination: pool[destination % pool.length]! });
            const got = dropped ? peek(tracker, r) : observe(tracker, r);
            expect(got).toBe(reference.classify(r, !dropped));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('an IPv4 connection and the IPv6 one of the same address words apart', () => {
    const tracker = new ReplyTracker(100);
    // c612:1:: starts with the same 32 bits as 198.18.0.1.
    const v4 = record({ protocol: 17, source: '198.18.0.1', destination: '198.18.0.2' });
    const v6 = record({ protocol: 17, family: 6, source: 'c612:1::', destination: 'c612:2::' });
    observe(tracker, v4);
    expect(observe(tracker, reverse(v6))).toBe(false);
    expect(observe(tracker, reverse(v4))).toBe(true);
    expect(observe(tracker, v6)).toBe(true);
  });
});

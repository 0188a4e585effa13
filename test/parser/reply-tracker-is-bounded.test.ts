import { describe, expect, it } from 'vitest';
import { ReplyTracker } from '../../src/parser/reply-tracker.js';
import { record, reverse } from '../helpers/records.js';

describe('reply tracker', () => {
  it('never holds more connections than its capacity', () => {
    const tracker = new ReplyTracker(100);
    for (let port = 1; port <= 1000; port++) {
      tracker.observe(record({ protocol: 17, sourcePort: port }));
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
    tracker.observe(busy);
    for (let port = 10_000; port < 11_000; port++) {
      tracker.observe(record({ protocol: 17, sourcePort: port }));
      tracker.observe(busy);
    }
    // Were it forgotten, the reversed packet would be taken for a new request.
    expect(tracker.observe(reverse(busy))).toBe(true);
  });

  it('peek learns nothing', () => {
    const tracker = new ReplyTracker(100);
    const query = record({ protocol: 17 });
    expect(tracker.peek(query)).toBe(false);
    expect(tracker.size).toBe(0);
    expect(tracker.peek(reverse(query))).toBe(false);
  });
});

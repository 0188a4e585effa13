import { describe, expect, it } from 'vitest';
import { PendingRequests } from '../../../src/parser/l7/pending-requests.js';
import { DnsNameCache } from '../../../src/parser/l7/dns-name-cache.js';
import { L7Tracker } from '../../../src/parser/l7/l7-tracker.js';
import { MS, fromClient, fromServer, text } from './payloads.js';

const SECOND = 1_000_000_000n;

describe('pending requests', () => {
  it('never holds more than its capacity, and counts what it pushed out', () => {
    const pending = new PendingRequests<number>({ maxEntries: 100, maxPerKey: 8, maxAgeNs: 60n * SECOND });
    let largest = 0;
    for (let i = 0; i < 10_000; i++) {
      pending.push(`conn ${i}`, BigInt(i), i);
      largest = Math.max(largest, pending.size);
    }
    expect(largest).toBe(100);
    expect(pending.size).toBe(100);
    expect(pending.evictions).toEqual({ capacity: 9_900, keyCapacity: 0, age: 0 });
    // The oldest went first: the newest are still there.
    expect(pending.peek('conn 9999')?.value).toBe(9999);
    expect(pending.peek('conn 0')).toBeUndefined();
  });

  it('bounds one key on its own', () => {
    const pending = new PendingRequests<number>({ maxEntries: 1000, maxPerKey: 4, maxAgeNs: 60n * SECOND });
    for (let i = 0; i < 10; i++) pending.push('one', BigInt(i), i);
    expect(pending.size).toBe(4);
    expect(pending.evictions).toEqual({ capacity: 0, keyCapacity: 6, age: 0 });
    expect(pending.shift('one', 10n)?.value).toBe(6);
  });

  it('drops requests older than the age bound when time moves on', () => {
    const pending = new PendingRequests<string>({ maxEntries: 1000, maxPerKey: 8, maxAgeNs: 10n * SECOND });
    pending.push('old', 0n, 'a');
    pending.push('old', 1n * SECOND, 'b');
    pending.push('new', 5n * SECOND, 'c');
    pending.push('newer', 12n * SECOND, 'd');
    expect(pending.size).toBe(2);
    expect(pending.evictions).toEqual({ capacity: 0, keyCapacity: 0, age: 2 });
    expect(pending.shift('old', 12n * SECOND)).toBeUndefined();
    expect(pending.shift('new', 12n * SECOND)?.value).toBe('c');
  });

  it('keeps the tracker bounded under a flood of requests that are never answered', () => {
    const flood = (tracker: L7Tracker): void => {
      for (let i = 0; i < 5_000; i++) {
        const request = text(`GET /${i} HTTP/1.1\r\nHost: h\r\n\r\n`);
        tracker.observe(fromClient(BigInt(i) * MS, request, { sourcePort: 1024 + (i % 3000) }));
      }
    };
    const httpTable = (tracker: L7Tracker) => tracker.tableStats().find((t) => t.table === 'http_pending')!;
    const bySize = new L7Tracker({ names: new DnsNameCache(), maxPendingRequests: 500, pendingMaxAgeMs: 60_000 });
    flood(bySize);
    expect(httpTable(bySize).entries).toBe(500);
    expect(httpTable(bySize).evictions).toEqual({ capacity: 4_500, keyCapacity: 0, age: 0 });

    const byAge = new L7Tracker({ names: new DnsNameCache(), maxPendingRequests: 10_000, pendingMaxAgeMs: 1000 });
    flood(byAge);
    const stats = httpTable(byAge);
    expect(stats.entries).toBeLessThanOrEqual(1001);
    expect(stats.evictions.capacity).toBe(0);
    expect(stats.evictions.age + stats.entries).toBe(5_000);

    // After eviction a response is still a flow, only unpaired.
    const late = byAge.observe(fromServer(5_000n * MS, text('HTTP/1.1 200 OK\r\n\r\n'), { destinationPort: 1024 }));
    expect(late?.kind === 'l7' && late.flow.l7.latency_ns).toBe(0);
  });
});

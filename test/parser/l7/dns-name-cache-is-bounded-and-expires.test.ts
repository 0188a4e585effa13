import { describe, expect, it } from 'vitest';
import { DnsNameCache } from '../../../src/parser/l7/dns-name-cache.js';

const SECOND = 1_000_000_000n;

describe('IP → names cache', () => {
  it('returns all names of an address, sorted, without the root dot', () => {
    const cache = new DnsNameCache();
    cache.record('10.0.0.1', 'b.example.com.', 60, 0n);
    cache.record('10.0.0.1', 'a.example.com.', 60, 0n);
    cache.record('10.0.0.1', 'a.example.com.', 60, 1n);
    expect(cache.namesOf('10.0.0.1')).toEqual(['a.example.com', 'b.example.com']);
    expect(cache.namesOf('10.0.0.2')).toEqual([]);
  });

  it('forgets a name after its TTL, but not before the floor', () => {
    const cache = new DnsNameCache({ maxAddresses: 10, maxNamesPerAddress: 4, maxNames: 40, minTtlSeconds: 30 });
    cache.record('10.0.0.1', 'short.test.', 5, 0n);
    cache.record('10.0.0.1', 'long.test.', 120, 0n);
    expect(cache.namesOf('10.0.0.1', 29n * SECOND)).toEqual(['long.test', 'short.test']);
    expect(cache.namesOf('10.0.0.1', 31n * SECOND)).toEqual(['long.test']);
    expect(cache.namesOf('10.0.0.1', 121n * SECOND)).toEqual([]);
    expect(cache.size).toBe(0);
  });

  it('holds at most its number of addresses and names per address, least recent out first', () => {
    const cache = new DnsNameCache({ maxAddresses: 100, maxNamesPerAddress: 3, maxNames: 300, minTtlSeconds: 300 });
    for (let i = 0; i < 1000; i++) cache.record(`10.0.${i >> 8}.${i & 255}`, `n${i}.test.`, 300, BigInt(i));
    expect(cache.size).toBe(100);
    expect(cache.tableStats().evictions).toEqual({ capacity: 900, keyCapacity: 0, age: 0 });
    expect(cache.namesOf('10.0.0.0')).toEqual([]);
    expect(cache.namesOf('10.0.3.231')).toEqual(['n999.test']);

    for (let i = 0; i < 10; i++) cache.record('10.9.9.9', `alias${i}.test.`, 300, 2000n);
    expect(cache.namesOf('10.9.9.9')).toEqual(['alias7.test', 'alias8.test', 'alias9.test']);
    expect(cache.tableStats().evictions.keyCapacity).toBe(7);
  });

  it('holds at most its number of names in all, pushing out whole addresses, least recent first', () => {
    const cache = new DnsNameCache({ maxAddresses: 100, maxNamesPerAddress: 4, maxNames: 10, minTtlSeconds: 300 });
    for (let i = 0; i < 5; i++) for (let n = 0; n < 4; n++) cache.record(`10.0.0.${i}`, `n${n}.host${i}.test.`, 300, BigInt(i));
    // 20 names recorded, 10 fit: addresses 0, 1 and 2 went, each when a later address reached 11 names in all.
    expect(cache.tableStats()).toEqual({ table: 'dns_names', entries: 2, capacity: 100, evictions: { capacity: 3, keyCapacity: 0, age: 0 } });
    expect(cache.namesOf('10.0.0.2')).toEqual([]);
    expect(cache.namesOf('10.0.0.4')).toHaveLength(4);
  });

  it('counts an address whose names all expired as an age eviction', () => {
    const cache = new DnsNameCache({ maxAddresses: 10, maxNamesPerAddress: 4, maxNames: 40, minTtlSeconds: 1 });
    cache.record('10.0.0.1', 'gone.test.', 1, 0n);
    expect(cache.namesOf('10.0.0.1', 2n * SECOND)).toEqual([]);
    expect(cache.tableStats().evictions).toEqual({ capacity: 0, keyCapacity: 0, age: 1 });
  });
});

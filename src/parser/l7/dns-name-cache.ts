import { TouchOrder } from './touch-order.js';

// IP → the DNS names it was resolved from, learned from observed DNS answers, for the
// `source_names`/`destination_names` of every flow (L7 and L3/L4 alike). Names are kept
// for their TTL (at least a floor, since clients keep using addresses past short TTLs)
// and the table is bounded: the least recently resolved address goes first.

export interface DnsNameCacheOptions {
  maxAddresses: number;
  maxNamesPerAddress: number;
  minTtlSeconds: number;
}

export const DEFAULT_DNS_NAME_CACHE_OPTIONS: DnsNameCacheOptions = {
  maxAddresses: 16_384,
  maxNamesPerAddress: 16,
  minTtlSeconds: 300,
};

const NS_PER_SECOND = 1_000_000_000n;

export class DnsNameCache {
  private readonly options: DnsNameCacheOptions;
  // name → expiry (ns, same clock as the observations), per address.
  private readonly byAddress = new Map<string, { names: Map<string, bigint>; recordedNs: bigint }>();
  // Addresses least recently resolved first: what the bound evicts.
  private readonly order = new TouchOrder((ip, timeNs) => this.byAddress.get(ip)?.recordedNs === timeNs);
  private newestNs = 0n;
  evictions = 0;

  constructor(options: DnsNameCacheOptions = DEFAULT_DNS_NAME_CACHE_OPTIONS) {
    this.options = options;
  }

  get size(): number {
    return this.byAddress.size;
  }

  /** Records that `name` resolved to `ip` at `timeNs`; a trailing root dot is dropped. */
  record(ip: string, name: string, ttlSeconds: number, timeNs: bigint): void {
    if (timeNs > this.newestNs) this.newestNs = timeNs;
    const bare = name.length > 1 && name.endsWith('.') ? name.slice(0, -1) : name;
    const ttl = BigInt(Math.max(ttlSeconds, this.options.minTtlSeconds));
    const expiresNs = timeNs + ttl * NS_PER_SECOND;

    let entry = this.byAddress.get(ip);
    if (entry === undefined) {
      entry = { names: new Map(), recordedNs: timeNs };
      this.byAddress.set(ip, entry);
    }
    entry.recordedNs = timeNs;
    this.order.touch(ip, timeNs);
    const names = entry.names;
    names.delete(bare);
    names.set(bare, expiresNs);
    if (names.size > this.options.maxNamesPerAddress) {
      const oldest = names.keys().next();
      if (oldest.done !== true) names.delete(oldest.value);
    }
    if (this.byAddress.size > this.options.maxAddresses) {
      const oldest = this.order.oldest();
      if (oldest !== undefined) {
        this.byAddress.delete(oldest.key);
        this.evictions++;
      }
    }
  }

  /**
   * The unexpired names of `ip`, sorted. `nowNs` defaults to the newest time recorded,
   * so callers on another clock can leave it out.
   */
  namesOf(ip: string, nowNs: bigint = this.newestNs): string[] {
    const names = this.byAddress.get(ip)?.names;
    if (names === undefined) return [];
    const live: string[] = [];
    for (const [name, expiresNs] of names) {
      if (expiresNs > nowNs) live.push(name);
      else names.delete(name);
    }
    if (names.size === 0) this.byAddress.delete(ip);
    return live.sort();
  }
}

import { noEvictions, type L7TableStats } from './table-stats.js';
import { TouchOrder } from './touch-order.js';

// IP → the DNS names it was resolved from, learned from observed DNS answers, for the
// `source_names`/`destination_names` of every flow (L7 and L3/L4 alike). Names are kept
// for their TTL (at least a floor, since clients keep using addresses past short TTLs)
// and the table is bounded in addresses, in names per address and in names in all: the
// least recently resolved address goes first, and an address's oldest name goes first.

export interface DnsNameCacheOptions {
  maxAddresses: number;
  maxNamesPerAddress: number;
  /** Names of all addresses together; names are up to 253 characters, so this bounds memory. */
  maxNames: number;
  minTtlSeconds: number;
}

export const DEFAULT_DNS_NAME_CACHE_OPTIONS: DnsNameCacheOptions = {
  maxAddresses: 16_384,
  maxNamesPerAddress: 16,
  maxNames: 32_768,
  minTtlSeconds: 300,
};

const NS_PER_SECOND = 1_000_000_000n;

interface AddressNames {
  /** name → expiry (ns, same clock as the observations), oldest recorded first. */
  names: Map<string, bigint>;
  recordedNs: bigint;
}

export class DnsNameCache {
  private readonly options: DnsNameCacheOptions;
  private readonly byAddress = new Map<string, AddressNames>();
  // Addresses least recently resolved first: what the bounds evict.
  private readonly order = new TouchOrder((ip, timeNs) => this.byAddress.get(ip)?.recordedNs === timeNs);
  private newestNs = 0n;
  private nameCount = 0;
  private readonly evictions = noEvictions();

  constructor(options: DnsNameCacheOptions = DEFAULT_DNS_NAME_CACHE_OPTIONS) {
    this.options = options;
  }

  /** Addresses with names. */
  get size(): number {
    return this.byAddress.size;
  }

  /**
   * Entries are addresses; evictions count addresses pushed out by either table bound
   * (capacity), names pushed out of a full address (keyCapacity) and addresses whose names
   * all expired (age).
   */
  tableStats(): L7TableStats {
    return { table: 'dns_names', entries: this.byAddress.size, capacity: this.options.maxAddresses, evictions: { ...this.evictions } };
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
    if (!names.delete(bare)) this.nameCount++;
    names.set(bare, expiresNs);
    if (names.size > this.options.maxNamesPerAddress) {
      const oldest = names.keys().next();
      if (oldest.done !== true) {
        names.delete(oldest.value);
        this.nameCount--;
        this.evictions.keyCapacity++;
      }
    }
    while (this.byAddress.size > this.options.maxAddresses || this.nameCount > this.options.maxNames) {
      const oldest = this.order.oldest();
      if (oldest === undefined) break;
      this.forget(oldest.key);
      this.evictions.capacity++;
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
      if (expiresNs > nowNs) {
        live.push(name);
      } else {
        names.delete(name);
        this.nameCount--;
      }
    }
    if (names.size === 0) {
      this.byAddress.delete(ip);
      this.evictions.age++;
    }
    return live.sort();
  }

  private forget(ip: string): void {
    const entry = this.byAddress.get(ip);
    if (entry === undefined) return;
    this.nameCount -= entry.names.size;
    this.byAddress.delete(ip);
  }
}

import { formatIPv4, formatIPv6 } from '../ip-text.js';

// IP text of record addresses, for the lookups ingest makes per record (reply tracking,
// endpoints, DNS names). A node's records name few distinct IPv4 addresses over and over, so
// their text comes from a small direct-mapped cache keyed by the address itself: fixed size
// whatever the traffic, a miss costs one formatting.

const CACHE_BITS = 12;
const CACHE_SIZE = 1 << CACHE_BITS;
const GOLDEN_RATIO_32 = 0x9e3779b1;

export class AddressText {
  private readonly keys = new Uint32Array(CACHE_SIZE);
  private readonly texts = new Array<string | undefined>(CACHE_SIZE).fill(undefined);

  /** The text of the address at `bytes[at]`: 4 bytes for family 4, 16 for family 6. */
  of(bytes: Uint8Array, at: number, family: number): string {
    if (family !== 4) return formatIPv6(bytes, at);
    const key = ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
    const slot = Math.imul(key, GOLDEN_RATIO_32) >>> (32 - CACHE_BITS);
    const cached = this.texts[slot];
    if (cached !== undefined && this.keys[slot] === key) return cached;
    const text = formatIPv4(bytes, at);
    this.keys[slot] = key;
    this.texts[slot] = text;
    return text;
  }
}

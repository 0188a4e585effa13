import { noEvictions, type L7TableStats } from './table-stats.js';
import { TouchOrder } from './touch-order.js';

// A packet is captured at every observation point it crosses (both veths of a pod-to-pod
// exchange, egress and ingress of lo); its payload records carry the same identity (TCP
// sequence number, or IPv4 id and UDP checksum) and length. Its L7 meaning is taken from the
// first sighting only, so that one request makes one L7 flow. TCP retransmissions share the
// identity too and are not counted twice either; so do byte-identical UDP datagrams over IPv6
// (which has no IP id) within the window, such as a DNS query resent unchanged.

const REPEAT_WINDOW_NS = 500_000_000n;
export const MAX_REMEMBERED_PACKETS = 16_384;

interface Sighting<T> {
  timeNs: bigint;
  value: T;
}

export class RepeatedPackets<T> {
  private readonly seen = new Map<string, Sighting<T>>();
  private readonly order = new TouchOrder((identity, timeNs) => this.seen.get(identity)?.timeNs === timeNs);
  private readonly evictions = noEvictions();

  /** Entries are packets remembered; capacity evictions made room, age ones left the window. */
  tableStats(): L7TableStats {
    return { table: 'repeated_packets', entries: this.seen.size, capacity: MAX_REMEMBERED_PACKETS, evictions: { ...this.evictions } };
  }

  /** What was remembered at the first sighting of this packet, if it was seen within the window. */
  lookup(identity: string, timeNs: bigint): { value: T } | undefined {
    this.expire(timeNs);
    const sighting = this.seen.get(identity);
    if (sighting === undefined || timeNs - sighting.timeNs > REPEAT_WINDOW_NS) return undefined;
    return { value: sighting.value };
  }

  remember(identity: string, timeNs: bigint, value: T): void {
    this.seen.set(identity, { timeNs, value });
    this.order.touch(identity, timeNs);
    while (this.seen.size > MAX_REMEMBERED_PACKETS) {
      this.seen.delete(this.order.oldest()!.key);
      this.evictions.capacity++;
    }
  }

  private expire(nowNs: bigint): void {
    for (let oldest = this.order.oldest(); oldest !== undefined && nowNs - oldest.timeNs > REPEAT_WINDOW_NS; oldest = this.order.oldest()) {
      this.seen.delete(oldest.key);
      this.evictions.age++;
    }
  }
}

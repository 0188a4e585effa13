// A packet is captured at every observation point it crosses (both veths of a pod-to-pod
// exchange, egress and ingress of lo); its payload records carry the same identity (TCP
// sequence number, or IPv4 id and UDP checksum) and length. Its L7 meaning is taken from the
// first sighting only, so that one request makes one L7 flow. TCP retransmissions share the
// identity too and are not counted twice either.

const REPEAT_WINDOW_NS = 500_000_000n;
const MAX_REMEMBERED_PACKETS = 16_384;

interface Sighting<T> {
  timeNs: bigint;
  value: T;
}

export class RepeatedPackets<T> {
  // Insertion order is capture order, near enough: expired entries are found at the front.
  private readonly seen = new Map<string, Sighting<T>>();

  get size(): number {
    return this.seen.size;
  }

  /** What was remembered at the first sighting of this packet, if it was seen within the window. */
  lookup(identity: string, timeNs: bigint): { value: T } | undefined {
    this.expire(timeNs);
    const sighting = this.seen.get(identity);
    if (sighting === undefined || timeNs - sighting.timeNs > REPEAT_WINDOW_NS) return undefined;
    return { value: sighting.value };
  }

  remember(identity: string, timeNs: bigint, value: T): void {
    this.seen.delete(identity);
    this.seen.set(identity, { timeNs, value });
    if (this.seen.size > MAX_REMEMBERED_PACKETS) {
      const oldest = this.seen.keys().next();
      if (oldest.done !== true) this.seen.delete(oldest.value);
    }
  }

  private expire(nowNs: bigint): void {
    for (const [identity, sighting] of this.seen) {
      if (nowNs - sighting.timeNs <= REPEAT_WINDOW_NS) break;
      this.seen.delete(identity);
    }
  }
}

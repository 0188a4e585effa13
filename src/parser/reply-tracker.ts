import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP } from './ip-protocols.js';
import { TCP_ACK, TCP_SYN } from './tcp-flags.js';

// Decides `is_reply` per record, like Cilium's connection tracking does for its traces:
// - TCP: a SYN without ACK comes from the initiator, a SYN-ACK from the responder; every
//   later record of the responder's direction is a reply. A connection first seen
//   mid-stream (the agent started after its handshake) is guessed from the ports: the
//   higher port is the client's (ephemeral ports sit above the services' ports).
// - UDP and other protocols with ports: the first direction seen is the request.
// - ICMP: by message type; echo, timestamp and solicitation requests are requests, their
//   answers and error messages (unreachable, time exceeded, ...) are replies.
// Connections live in a bounded table keyed by the 5-tuple with both ends in a fixed
// order, so both directions, and the same connection seen on several interfaces, share
// one entry.
//
// This runs for every record, so the table is built for speed. The key is a 32-bit hash
// of the tuple rather than a string (building and hashing a string key cost several times
// more); an entry keeps its tuple, so a hash collision is recognised and treated as a
// different connection. Forgetting is generational: new connections go to a young
// generation; when it holds half the capacity it becomes the old one and the previous old
// generation is dropped whole. A connection met in the old generation moves back to the
// young one, so busy connections stay and the least recently seen go first, without the
// per-entry eviction scans a single Map would need. The connections of a dropped generation
// are counted as evictions.

const ICMPV4_REPLY_TYPES = new Set([0, 3, 4, 5, 9, 11, 12, 14, 16, 18]);
const ICMPV6_REPLY_TYPES = new Set([1, 2, 3, 4, 129, 134, 136, 137]);

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 16777619;

export interface FiveTuple {
  source: string;
  destination: string;
  sourcePort: number;
  destinationPort: number;
  protocol: number;
  tcpFlags: number;
  icmpType: number;
}

interface Connection {
  /** The end that sorts first, and its port: with `protocol`, `high` and `highPort`, the tuple. */
  low: string;
  lowPort: number;
  high: string;
  highPort: number;
  protocol: number;
  /** True when the initiator is the `low` end. */
  initiatorIsLow: boolean;
}

function hashText(hash: number, text: string): number {
  let h = hash;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), FNV_PRIME);
  return h;
}

function tupleHash(protocol: number, low: string, lowPort: number, high: string, highPort: number): number {
  let h = Math.imul(FNV_OFFSET ^ protocol, FNV_PRIME);
  h = hashText(h, low);
  h = Math.imul(h ^ lowPort, FNV_PRIME);
  h = hashText(h, high);
  return Math.imul(h ^ highPort, FNV_PRIME);
}

export interface ConnectionTableStats {
  entries: number;
  /** The bound on entries. */
  capacity: number;
  /** Connections forgotten to make room, since start. */
  evictions: number;
}

export class ReplyTracker {
  private young = new Map<number, Connection>();
  private old = new Map<number, Connection>();
  private readonly generationSize: number;
  private evictions = 0;

  constructor(capacity: number) {
    this.generationSize = Math.max(1, capacity >> 1);
  }

  get size(): number {
    return this.young.size + this.old.size;
  }

  tableStats(): ConnectionTableStats {
    return { entries: this.size, capacity: 2 * this.generationSize, evictions: this.evictions };
  }

  /** is_reply for a forwarded record; learns the connection when it is new. */
  observe(record: FiveTuple): boolean {
    return this.classify(record, true);
  }

  /** is_reply for a dropped packet: uses what is known, learns nothing (a drop opens no connection). */
  peek(record: FiveTuple): boolean {
    return this.classify(record, false);
  }

  private classify(record: FiveTuple, learn: boolean): boolean {
    const protocol = record.protocol;
    if (protocol === IPPROTO_ICMP) return ICMPV4_REPLY_TYPES.has(record.icmpType);
    if (protocol === IPPROTO_ICMPV6) return ICMPV6_REPLY_TYPES.has(record.icmpType);

    const { source, destination, sourcePort, destinationPort } = record;
    const sourceIsLow = source < destination || (source === destination && sourcePort <= destinationPort);
    const low = sourceIsLow ? source : destination;
    const lowPort = sourceIsLow ? sourcePort : destinationPort;
    const high = sourceIsLow ? destination : source;
    const highPort = sourceIsLow ? destinationPort : sourcePort;
    const key = tupleHash(protocol, low, lowPort, high, highPort);

    if (protocol === IPPROTO_TCP && record.tcpFlags & TCP_SYN) {
      // The handshake says who initiated, whatever was guessed before.
      const fromResponder = (record.tcpFlags & TCP_ACK) !== 0;
      if (learn) this.remember(key, { low, lowPort, high, highPort, protocol, initiatorIsLow: fromResponder ? !sourceIsLow : sourceIsLow });
      return fromResponder;
    }

    let known = this.young.get(key);
    if (known === undefined) {
      known = this.old.get(key);
      if (known !== undefined && learn) {
        this.old.delete(key);
        this.remember(key, known);
      }
    }
    if (
      known !== undefined &&
      known.lowPort === lowPort &&
      known.highPort === highPort &&
      known.protocol === protocol &&
      known.low === low &&
      known.high === high
    ) {
      return sourceIsLow !== known.initiatorIsLow;
    }

    const sourceIsInitiator = protocol === IPPROTO_TCP ? sourcePort >= destinationPort : true;
    if (learn) {
      const initiatorIsLow = sourceIsInitiator ? sourceIsLow : !sourceIsLow;
      this.remember(key, { low, lowPort, high, highPort, protocol, initiatorIsLow });
    }
    return !sourceIsInitiator;
  }

  /** Stores the connection in the young generation; a colliding entry is replaced. */
  private remember(key: number, connection: Connection): void {
    this.old.delete(key);
    this.young.set(key, connection);
    if (this.young.size >= this.generationSize) {
      this.evictions += this.old.size;
      this.old = this.young;
      this.young = new Map();
    }
  }
}

import { OFFSET_DADDR, OFFSET_DPORT, OFFSET_FAMILY, OFFSET_ICMP_TYPE, OFFSET_PROTOCOL, OFFSET_SADDR, OFFSET_SPORT, OFFSET_TCP_FLAGS } from '../native/records.js';
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
// This runs for every record, so the table is built for speed. The tuple is read from the
// record's bytes as numbers (no address text), and the key is a 32-bit hash of it rather
// than a string (building and hashing a string key cost several times more); an entry
// keeps its tuple, so a hash collision is recognised and treated as a different
// connection. Forgetting is generational: new connections go to a young generation; when
// it holds half the capacity it becomes the old one and the previous old generation is
// dropped whole. A connection met in the old generation moves back to the
// young one, so busy connections stay and the least recently seen go first, without the
// per-entry eviction scans a single Map would need. The connections of a dropped generation
// are counted as evictions.

const ICMPV4_REPLY_TYPES = new Set([0, 3, 4, 5, 9, 11, 12, 14, 16, 18]);
const ICMPV6_REPLY_TYPES = new Set([1, 2, 3, 4, 129, 134, 136, 137]);

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 16777619;

/**
 * A connection's 5-tuple with its ends in a fixed order, as numbers read from the record:
 * each address as four 32-bit words (an IPv4 address in the first, the others 0), the
 * protocol with the family (so an IPv4 address and the IPv6 one of the same words differ).
 */
interface Tuple {
  protocolFamily: number;
  /** The end that sorts first, and its port. */
  low0: number;
  low1: number;
  low2: number;
  low3: number;
  lowPort: number;
  high0: number;
  high1: number;
  high2: number;
  high3: number;
  highPort: number;
}

interface Connection extends Tuple {
  /** True when the initiator is the `low` end. */
  initiatorIsLow: boolean;
}

function emptyTuple(): Tuple {
  return { protocolFamily: 0, low0: 0, low1: 0, low2: 0, low3: 0, lowPort: 0, high0: 0, high1: 0, high2: 0, high3: 0, highPort: 0 };
}

// Byte reads rather than Buffer's readers, which check their offset and are not always inlined.
function port(buf: Buffer, at: number): number {
  return buf[at]! | (buf[at + 1]! << 8);
}

/** The 32-bit word at `buf[at]` as a signed integer (any fixed byte order serves as a key). */
function word(buf: Buffer, at: number): number {
  return buf[at]! | (buf[at + 1]! << 8) | (buf[at + 2]! << 16) | (buf[at + 3]! << 24);
}

function connectionOf(t: Tuple, initiatorIsLow: boolean): Connection {
  return {
    protocolFamily: t.protocolFamily,
    low0: t.low0, low1: t.low1, low2: t.low2, low3: t.low3, lowPort: t.lowPort,
    high0: t.high0, high1: t.high1, high2: t.high2, high3: t.high3, highPort: t.highPort,
    initiatorIsLow,
  };
}

function tupleHash(t: Tuple): number {
  let h = Math.imul(FNV_OFFSET ^ t.protocolFamily, FNV_PRIME);
  h = Math.imul(h ^ t.low0, FNV_PRIME);
  h = Math.imul(h ^ t.low1, FNV_PRIME);
  h = Math.imul(h ^ t.low2, FNV_PRIME);
  h = Math.imul(h ^ t.low3, FNV_PRIME);
  h = Math.imul(h ^ t.high0, FNV_PRIME);
  h = Math.imul(h ^ t.high1, FNV_PRIME);
  h = Math.imul(h ^ t.high2, FNV_PRIME);
  h = Math.imul(h ^ t.high3, FNV_PRIME);
  return Math.imul(h ^ ((t.lowPort << 16) | t.highPort), FNV_PRIME);
}

function sameTuple(a: Tuple, b: Tuple): boolean {
  return (
    a.low0 === b.low0 && a.high0 === b.high0 && a.lowPort === b.lowPort && a.highPort === b.highPort && a.protocolFamily === b.protocolFamily &&
    a.low1 === b.low1 && a.low2 === b.low2 && a.low3 === b.low3 && a.high1 === b.high1 && a.high2 === b.high2 && a.high3 === b.high3
  );
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
  // The tuple of the record being classified, reused for every record.
  private readonly probe: Tuple = emptyTuple();

  constructor(capacity: number) {
    this.generationSize = Math.max(1, capacity >> 1);
  }

  get size(): number {
    return this.young.size + this.old.size;
  }

  tableStats(): ConnectionTableStats {
    return { entries: this.size, capacity: 2 * this.generationSize, evictions: this.evictions };
  }

  /** is_reply for the forwarded record at `buf[at]`; learns the connection when it is new. */
  observe(buf: Buffer, at: number): boolean {
    return this.classify(buf, at, true);
  }

  /** is_reply for the dropped packet at `buf[at]`: uses what is known, learns nothing (a drop opens no connection). */
  peek(buf: Buffer, at: number): boolean {
    return this.classify(buf, at, false);
  }

  private classify(buf: Buffer, at: number, learn: boolean): boolean {
    const protocol = buf[at + OFFSET_PROTOCOL]!;
    if (protocol === IPPROTO_ICMP) return ICMPV4_REPLY_TYPES.has(buf[at + OFFSET_ICMP_TYPE]!);
    if (protocol === IPPROTO_ICMPV6) return ICMPV6_REPLY_TYPES.has(buf[at + OFFSET_ICMP_TYPE]!);

    const sourcePort = port(buf, at + OFFSET_SPORT);
    const destinationPort = port(buf, at + OFFSET_DPORT);
    const sourceIsLow = this.readTuple(buf, at, sourcePort, destinationPort);
    const key = tupleHash(this.probe);
    const known = this.find(key, learn);

    const tcpFlags = buf[at + OFFSET_TCP_FLAGS]!;
    if (protocol === IPPROTO_TCP && tcpFlags & TCP_SYN) {
      // The handshake says who initiated, whatever was guessed before.
      const fromResponder = (tcpFlags & TCP_ACK) !== 0;
      if (learn) this.learn(key, known, fromResponder ? !sourceIsLow : sourceIsLow);
      return fromResponder;
    }
    if (known !== undefined) return sourceIsLow !== known.initiatorIsLow;

    const sourceIsInitiator = protocol === IPPROTO_TCP ? sourcePort >= destinationPort : true;
    if (learn) this.learn(key, undefined, sourceIsInitiator ? sourceIsLow : !sourceIsLow);
    return !sourceIsInitiator;
  }

  /** Puts the record's tuple, ends ordered, into `probe`; true when the source is the low end. */
  private readTuple(buf: Buffer, at: number, sourcePort: number, destinationPort: number): boolean {
    const v6 = buf[at + OFFSET_FAMILY] !== 4;
    const s = at + OFFSET_SADDR;
    const d = at + OFFSET_DADDR;
    const s0 = word(buf, s);
    const d0 = word(buf, d);
    const s1 = v6 ? word(buf, s + 4) : 0;
    const d1 = v6 ? word(buf, d + 4) : 0;
    const s2 = v6 ? word(buf, s + 8) : 0;
    const d2 = v6 ? word(buf, d + 8) : 0;
    const s3 = v6 ? word(buf, s + 12) : 0;
    const d3 = v6 ? word(buf, d + 12) : 0;
    const order = s0 !== d0 ? s0 - d0 : s1 !== d1 ? s1 - d1 : s2 !== d2 ? s2 - d2 : s3 !== d3 ? s3 - d3 : sourcePort - destinationPort;
    const sourceIsLow = order <= 0;
    const t = this.probe;
    t.protocolFamily = ((v6 ? 6 : 4) << 8) | buf[at + OFFSET_PROTOCOL]!;
    if (sourceIsLow) {
      t.low0 = s0; t.low1 = s1; t.low2 = s2; t.low3 = s3; t.lowPort = sourcePort;
      t.high0 = d0; t.high1 = d1; t.high2 = d2; t.high3 = d3; t.highPort = destinationPort;
    } else {
      t.low0 = d0; t.low1 = d1; t.low2 = d2; t.low3 = d3; t.lowPort = destinationPort;
      t.high0 = s0; t.high1 = s1; t.high2 = s2; t.high3 = s3; t.highPort = sourcePort;
    }
    return sourceIsLow;
  }

  /**
   * The connection of `probe` if it is known; when learning, one found in the old generation
   * moves to the young one. An entry under `key` with another tuple (a hash collision) is no match.
   */
  private find(key: number, learn: boolean): Connection | undefined {
    let known = this.young.get(key);
    if (known === undefined) {
      known = this.old.get(key);
      if (known !== undefined && learn) {
        this.old.delete(key);
        this.addYoung(key, known);
      }
    }
    return known !== undefined && sameTuple(known, this.probe) ? known : undefined;
  }

  /** Sets who initiated `known`, or remembers `probe` as a new connection (replacing a colliding entry). */
  private learn(key: number, known: Connection | undefined, initiatorIsLow: boolean): void {
    if (known !== undefined) {
      known.initiatorIsLow = initiatorIsLow;
      return;
    }
    this.old.delete(key);
    this.addYoung(key, connectionOf(this.probe, initiatorIsLow));
  }

  private addYoung(key: number, connection: Connection): void {
    this.young.set(key, connection);
    if (this.young.size >= this.generationSize) {
      this.evictions += this.old.size;
      this.old = this.young;
      this.young = new Map();
    }
  }
}

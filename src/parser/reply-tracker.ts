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
// one entry. The table forgets the least recently refreshed connection first.

const ICMPV4_REPLY_TYPES = new Set([0, 3, 4, 5, 9, 11, 12, 14, 16, 18]);
const ICMPV6_REPLY_TYPES = new Set([1, 2, 3, 4, 129, 134, 136, 137]);

export interface FiveTuple {
  source: string;
  destination: string;
  sourcePort: number;
  destinationPort: number;
  protocol: number;
  tcpFlags: number;
  icmpType: number;
  family: 4 | 6;
}

interface Connection {
  /** True when the initiator is the end that sorts first in the key. */
  initiatorIsLow: boolean;
  /** Refresh sequence number; an entry is moved to the young end only when it got old. */
  seq: number;
}

export class ReplyTracker {
  private readonly connections = new Map<string, Connection>();
  private seq = 0;

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.connections.size;
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
    const key = sourceIsLow
      ? `${protocol} ${source} ${sourcePort} ${destination} ${destinationPort}`
      : `${protocol} ${destination} ${destinationPort} ${source} ${sourcePort}`;

    if (protocol === IPPROTO_TCP && record.tcpFlags & TCP_SYN) {
      // The handshake says who initiated, whatever was guessed before.
      const fromResponder = (record.tcpFlags & TCP_ACK) !== 0;
      if (learn) this.remember(key, fromResponder ? !sourceIsLow : sourceIsLow);
      return fromResponder;
    }

    const known = this.connections.get(key);
    if (known !== undefined) {
      if (learn && this.seq - known.seq > this.capacity >> 1) {
        this.connections.delete(key);
        known.seq = ++this.seq;
        this.connections.set(key, known);
      }
      return sourceIsLow !== known.initiatorIsLow;
    }

    const sourceIsInitiator = protocol === IPPROTO_TCP ? sourcePort >= destinationPort : true;
    if (learn) this.remember(key, sourceIsInitiator ? sourceIsLow : !sourceIsLow);
    return !sourceIsInitiator;
  }

  private remember(key: string, initiatorIsLow: boolean): void {
    const known = this.connections.get(key);
    if (known !== undefined) this.connections.delete(key);
    this.connections.set(key, { initiatorIsLow, seq: ++this.seq });
    if (this.connections.size > this.capacity) {
      const oldest = this.connections.keys().next().value;
      if (oldest !== undefined) this.connections.delete(oldest);
    }
  }
}

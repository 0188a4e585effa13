import type { DnsRejectReason } from './dns.js';
import type { HttpRejectReason } from './http.js';
import type { TlsRejectReason } from './tls-client-hello.js';

// Payloads an L7 parser turned away, by protocol and reason, for the metrics handler.

export type L7Protocol = 'dns' | 'http' | 'tls';

export type L7RejectReason<P extends L7Protocol> = P extends 'dns'
  ? DnsRejectReason
  : P extends 'http'
    ? HttpRejectReason
    : TlsRejectReason;

export interface RejectionCount {
  protocol: L7Protocol;
  reason: string;
  count: number;
}

export class RejectionCounter {
  private readonly counts = new Map<string, RejectionCount>();

  add<P extends L7Protocol>(protocol: P, reason: L7RejectReason<P>): void {
    const key = `${protocol}/${reason}`;
    const entry = this.counts.get(key);
    if (entry === undefined) this.counts.set(key, { protocol, reason, count: 1 });
    else entry.count++;
  }

  /** Running totals since start, one entry per protocol and reason seen. */
  snapshot(): RejectionCount[] {
    return [...this.counts.values()].map((entry) => ({ ...entry }));
  }

  total(protocol?: L7Protocol): number {
    let sum = 0;
    for (const entry of this.counts.values()) if (protocol === undefined || entry.protocol === protocol) sum += entry.count;
    return sum;
  }
}

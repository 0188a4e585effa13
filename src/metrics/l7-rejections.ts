import { Counter, type Registry } from 'prom-client';
import type { RejectionCount } from '../parser/l7/rejection-counter.js';

/**
 * flowlens_l7_parse_rejections_total{protocol,reason}: captured DNS, HTTP and TLS payloads an
 * L7 parser turned away (malformed, cut short, not what the port suggested), read at scrape.
 * The reasons are the parsers' fixed reason names, so the label space is bounded.
 */
export function registerL7RejectionsMetric(registry: Registry, rejections: () => readonly RejectionCount[]): void {
  new Counter({
    name: 'flowlens_l7_parse_rejections_total',
    help: 'L7 payloads an L7 parser rejected, by protocol and reason',
    labelNames: ['protocol', 'reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { protocol, reason, count } of rejections()) this.inc({ protocol, reason }, count);
    },
  });
}

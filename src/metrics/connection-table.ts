import { Counter, Gauge, type Registry } from 'prom-client';
import type { ConnectionTableStats } from '../parser/reply-tracker.js';

/**
 * flowlens_connection_table_entries, flowlens_connection_table_capacity and
 * flowlens_connection_table_evictions_total: the connections the flow parser remembers to
 * tell requests from replies (one per 5-tuple, both directions and every interface
 * together), read at scrape time.
 */
export function registerConnectionTableMetrics(registry: Registry, table: () => ConnectionTableStats): void {
  new Gauge({
    name: 'flowlens_connection_table_entries',
    help: 'Connections remembered to tell requests from replies',
    registers: [registry],
    collect() {
      this.set(table().entries);
    },
  });
  new Gauge({
    name: 'flowlens_connection_table_capacity',
    help: 'The bound on the connections remembered to tell requests from replies',
    registers: [registry],
    collect() {
      this.set(table().capacity);
    },
  });
  new Counter({
    name: 'flowlens_connection_table_evictions_total',
    help: 'Connections forgotten, least recently seen first, to keep the connection table at its bound',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(table().evictions);
    },
  });
}

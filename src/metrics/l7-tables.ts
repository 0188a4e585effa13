import { Counter, Gauge, type Registry } from 'prom-client';
import type { L7TableStats, TableEvictions } from '../parser/l7/table-stats.js';

// Eviction reasons as label values, in the order of TableEvictions' fields.
const REASONS: readonly [keyof TableEvictions, string][] = [
  ['capacity', 'capacity'],
  ['keyCapacity', 'key_capacity'],
  ['age', 'age'],
];

/**
 * flowlens_l7_table_entries{table}, flowlens_l7_table_capacity{table} and
 * flowlens_l7_table_evictions_total{table,reason}: the bounded tables behind L7 parsing
 * (pending DNS queries and HTTP requests, the DNS name cache, payload deduplication), read
 * at scrape time. `reason` is capacity (the table's bound), key_capacity (one connection's,
 * question's or address's bound) or age.
 */
export function registerL7TableMetrics(registry: Registry, tables: () => readonly L7TableStats[]): void {
  new Gauge({
    name: 'flowlens_l7_table_entries',
    help: 'Entries held by an L7 table',
    labelNames: ['table'],
    registers: [registry],
    collect() {
      for (const { table, entries } of tables()) this.set({ table }, entries);
    },
  });
  new Gauge({
    name: 'flowlens_l7_table_capacity',
    help: 'The bound on the entries of an L7 table',
    labelNames: ['table'],
    registers: [registry],
    collect() {
      for (const { table, capacity } of tables()) this.set({ table }, capacity);
    },
  });
  new Counter({
    name: 'flowlens_l7_table_evictions_total',
    help: 'Entries an L7 table pushed out, by table and reason',
    labelNames: ['table', 'reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { table, evictions } of tables()) {
        for (const [field, reason] of REASONS) this.inc({ table, reason }, evictions[field]);
      }
    },
  });
}

// What each bounded L7 table holds and what it pushed out, for the flowlens_l7_table_* metrics.
// Every table that traffic can grow has a stated bound and evicts its oldest entries first.

export type L7TableName = 'dns_pending' | 'http_pending' | 'dns_names' | 'repeated_packets';

/** Entries a table pushed out, by why. */
export interface TableEvictions {
  /** The table was at its bound: its oldest entry went. */
  capacity: number;
  /** One key (a connection, a DNS question, an address) was at its own bound: its oldest went. */
  keyCapacity: number;
  /** Entries older than the table's age bound (a pending request, a remembered packet) or past their TTL (names). */
  age: number;
}

export interface L7TableStats {
  table: L7TableName;
  entries: number;
  /** The bound on entries. */
  capacity: number;
  evictions: TableEvictions;
}

export function noEvictions(): TableEvictions {
  return { capacity: 0, keyCapacity: 0, age: 0 };
}

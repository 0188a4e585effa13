import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { registerL7TableMetrics } from '../../src/metrics/l7-tables.js';
import type { NativeRecord } from '../../src/native/records.js';
import { DEFAULT_DNS_NAME_CACHE_OPTIONS, DnsNameCache } from '../../src/parser/l7/dns-name-cache.js';
import { L7FlowParser } from '../../src/parser/l7/l7-flow-parser.js';
import {
  MAX_PENDING_DNS_QUERIES,
  MAX_PENDING_HTTP_REQUESTS,
  MAX_PENDING_HTTP_REQUESTS_PER_CONNECTION,
} from '../../src/parser/l7/l7-tracker.js';
import { MAX_REMEMBERED_PACKETS } from '../../src/parser/l7/repeated-packets.js';
import type { L7TableName, L7TableStats } from '../../src/parser/l7/table-stats.js';
import { sampleValue } from '../helpers/exposition.js';
import { record } from '../helpers/records.js';
import { TYPE, buildDnsMessage } from '../parser/l7/dns-message-builder.js';

// A hostile pod floods the L7 parser in-process: DNS queries with random ids that are never
// answered, HTTP requests that are never answered (one connection pipelining far past its
// bound, then one request on each of 200k connections), and answered queries for 50k
// addresses. Every table must end at its bound, with each eviction counted exactly, and the
// heap must grow by less than HEAP_GROWTH_BOUND_BYTES.

const DNS_FLOOD = 200_000;
const HTTP_FLOOD = 200_000;
const PIPELINED = 1_000;
const ANSWERED = 50_000;
const HEAP_GROWTH_BOUND_BYTES = 64 * 1024 * 1024;
// Records 500 ns apart: the whole flood stays inside the 500 ms deduplication window, so
// that table is pushed out by its size bound alone.
const STEP_NS = 500n;
const START_NS = 1_700_000_000_000_000_000n;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

// A deterministic xorshift generator: the flood is random but the same on every run.
function random32(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

// Client i's address and port: unique for every i below 60,000 x 65,536.
function client(i: number): { ip: string; port: number } {
  const host = Math.floor(i / 60_000);
  return { ip: `198.18.${host >> 8}.${host & 255}`, port: 1024 + (i % 60_000) };
}

describe('L7 floods stay bounded', () => {
  it('every table ends at its bound, evictions are counted exactly, and the heap stays bounded', async () => {
    const names = new DnsNameCache();
    const parser = new L7FlowParser({ nodeName: 'flood-node', names });
    const registry = new Registry();
    registerL7TableMetrics(registry, () => parser.tableStats());
    const next = random32(0x2545f491);
    let seq = 0;
    let l7Flows = 0;
    const feed = (fields: Partial<NativeRecord> & { payload: Buffer }): void => {
      seq++;
      const r = record({ kind: 'payload', timeNs: START_NS + BigInt(seq) * STEP_NS, aux: seq, payloadTotalBytes: fields.payload.length, ...fields });
      if (parser.parse(r, undefined) !== undefined) l7Flows++;
    };
    const dnsServer = { destination: '198.19.0.53', destinationPort: 53, protocol: 17 };
    const template = buildDnsMessage({ id: 0, questions: [{ name: 'flood.example.com', type: TYPE.A }] });
    const withId = (message: Buffer, id: number): Buffer => {
      const copy = Buffer.from(message);
      copy.writeUInt16BE(id, 0);
      return copy;
    };

    const heapBefore = heapAfterGc();

    // Answered queries, each resolving one address: the name cache fills to its bound.
    for (let i = 0; i < ANSWERED; i++) {
      const c = client(i);
      const id = next() & 0xffff;
      const ip = `198.19.${1 + (i >> 8)}.${i & 255}`;
      feed({ ...dnsServer, source: c.ip, sourcePort: c.port, payload: withId(template, id) });
      const answer = buildDnsMessage({
        id,
        response: true,
        questions: [{ name: 'flood.example.com', type: TYPE.A }],
        answers: [{ name: 'flood.example.com', type: TYPE.A, ttl: 300, ip }],
      });
      feed({ source: dnsServer.destination, sourcePort: 53, destination: c.ip, destinationPort: c.port, protocol: 17, payload: answer });
    }

    // Queries with random ids, never answered.
    for (let i = 0; i < DNS_FLOOD; i++) {
      const c = client(ANSWERED + i);
      feed({ ...dnsServer, source: c.ip, sourcePort: c.port, payload: withId(template, next() & 0xffff) });
    }

    // One connection pipelining requests, then one request on each of many connections; no responses.
    const httpServer = { destination: '198.19.0.80', destinationPort: 80, protocol: 6 };
    for (let i = 0; i < PIPELINED; i++) {
      feed({ ...httpServer, source: '198.18.255.1', sourcePort: 40_000, payload: Buffer.from(`GET /pipelined/${i} HTTP/1.1\r\nHost: shop\r\n\r\n`) });
    }
    for (let i = 0; i < HTTP_FLOOD; i++) {
      const c = client(ANSWERED + DNS_FLOOD + i);
      feed({ ...httpServer, source: c.ip, sourcePort: c.port, payload: Buffer.from(`GET /${next().toString(36)} HTTP/1.1\r\nHost: shop\r\n\r\n`) });
    }

    const heapGrowth = heapAfterGc() - heapBefore;
    const tables = new Map<L7TableName, L7TableStats>(parser.tableStats().map((t) => [t.table, t]));
    const records = seq;

    expect(l7Flows).toBe(records);
    expect(tables.get('dns_pending')).toEqual({
      table: 'dns_pending',
      entries: MAX_PENDING_DNS_QUERIES,
      capacity: MAX_PENDING_DNS_QUERIES,
      evictions: { capacity: DNS_FLOOD - MAX_PENDING_DNS_QUERIES, keyCapacity: 0, age: 0 },
    });
    expect(tables.get('http_pending')).toEqual({
      table: 'http_pending',
      entries: MAX_PENDING_HTTP_REQUESTS,
      capacity: MAX_PENDING_HTTP_REQUESTS,
      evictions: {
        capacity: MAX_PENDING_HTTP_REQUESTS_PER_CONNECTION + HTTP_FLOOD - MAX_PENDING_HTTP_REQUESTS,
        keyCapacity: PIPELINED - MAX_PENDING_HTTP_REQUESTS_PER_CONNECTION,
        age: 0,
      },
    });
    expect(tables.get('dns_names')).toEqual({
      table: 'dns_names',
      entries: DEFAULT_DNS_NAME_CACHE_OPTIONS.maxAddresses,
      capacity: DEFAULT_DNS_NAME_CACHE_OPTIONS.maxAddresses,
      evictions: { capacity: ANSWERED - DEFAULT_DNS_NAME_CACHE_OPTIONS.maxAddresses, keyCapacity: 0, age: 0 },
    });
    expect(tables.get('repeated_packets')).toEqual({
      table: 'repeated_packets',
      entries: MAX_REMEMBERED_PACKETS,
      capacity: MAX_REMEMBERED_PACKETS,
      evictions: { capacity: records - MAX_REMEMBERED_PACKETS, keyCapacity: 0, age: 0 },
    });

    // The metrics say the same, read at scrape time.
    const text = await registry.metrics();
    for (const t of tables.values()) {
      expect(sampleValue(text, 'flowlens_l7_table_entries', { table: t.table })).toBe(t.entries);
      expect(sampleValue(text, 'flowlens_l7_table_capacity', { table: t.table })).toBe(t.capacity);
      expect(sampleValue(text, 'flowlens_l7_table_evictions_total', { table: t.table, reason: 'capacity' })).toBe(t.evictions.capacity);
      expect(sampleValue(text, 'flowlens_l7_table_evictions_total', { table: t.table, reason: 'key_capacity' })).toBe(t.evictions.keyCapacity);
      expect(sampleValue(text, 'flowlens_l7_table_evictions_total', { table: t.table, reason: 'age' })).toBe(t.evictions.age);
    }

    console.log(
      `L7 flood: ${records} records; heap grew ${(heapGrowth / 2 ** 20).toFixed(1)} MiB (bound ${HEAP_GROWTH_BOUND_BYTES / 2 ** 20} MiB); ` +
        [...tables.values()].map((t) => `${t.table} ${t.entries}/${t.capacity} evicted ${JSON.stringify(t.evictions)}`).join('; '),
    );
    expect(heapGrowth).toBeLessThan(HEAP_GROWTH_BOUND_BYTES);
  }, 120_000);
});

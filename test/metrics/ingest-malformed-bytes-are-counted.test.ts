import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { registerIngestMalformedMetric } from '../../src/metrics/ingest-malformed.js';
import * as layout from '../../src/native/records.js';
import { sampleValue } from '../helpers/exposition.js';
import { encodeRecord, RecordFlows } from '../helpers/record-flows.js';
import { interfaces, record } from '../helpers/records.js';

// What ingest skips as malformed reaches the metrics port, counted in bytes as RecordIngest.stats() has it.

function flows(): RecordFlows {
  return new RecordFlows({ nodeName: 'node-a', interfaces: interfaces({ index: 7, name: 'eth0', role: 'network' }), dropReasonNames: new Map(), netnsInode: 1 });
}

function withByte(offset: number, value: number): Buffer {
  const bytes = encodeRecord(record());
  bytes[offset] = value;
  return bytes;
}

describe('flowlens_ingest_malformed_bytes_total', () => {
  it('counts the bytes of records of an unknown kind, family, direction or reason, and unframed batch tails', async () => {
    const { ingest, store } = flows();
    const registry = new Registry();
    registerIngestMalformedMetric(registry, () => ingest.stats().malformedBytes);
    const scrape = async () => sampleValue(await registry.metrics(), 'flowlens_ingest_malformed_bytes_total');

    const good = encodeRecord(record());
    ingest.ingest(good, good.length);
    expect(await scrape()).toBe(0);

    const bad = Buffer.concat([
      withByte(layout.OFFSET_KIND, 9),
      good,
      withByte(layout.OFFSET_FAMILY, 5),
      withByte(layout.OFFSET_DIRECTION, 0),
      withByte(layout.OFFSET_REASON, 7),
    ]);
    ingest.ingest(bad, bad.length);
    expect(await scrape()).toBe(4 * layout.RECORD_BYTES);

    // A size that is no multiple of 8 leaves no way to the next record: the rest of the batch goes.
    const unframed = Buffer.concat([good, withByte(layout.OFFSET_SIZE, layout.RECORD_BYTES + 1), good]);
    ingest.ingest(unframed, unframed.length);
    // So does a tail too short to be a record.
    const tail = Buffer.concat([good, Buffer.alloc(40)]);
    ingest.ingest(tail, tail.length);
    expect(await scrape()).toBe(4 * layout.RECORD_BYTES + 2 * layout.RECORD_BYTES + 40);
    expect(ingest.stats().malformedBytes).toBe(4 * layout.RECORD_BYTES + 2 * layout.RECORD_BYTES + 40);
    // Every good record was stored.
    expect(store.nextSequence).toBe(4);
  });
});

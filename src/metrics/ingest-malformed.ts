import type { Registry } from 'prom-client';
import { cumulativeCounter } from './agent-state.js';

/**
 * flowlens_ingest_malformed_bytes_total: record bytes ingest skipped as malformed, read at
 * scrape time. A record whose kind, family, direction or emit reason is unknown, or whose
 * payload does not fit it, is skipped whole; after a record whose size cannot be right the
 * rest of its batch is, since the next record cannot be found.
 */
export function registerIngestMalformedMetric(registry: Registry, malformedBytes: () => number): void {
  cumulativeCounter(
    registry,
    'flowlens_ingest_malformed_bytes_total',
    'Record bytes skipped by ingest as malformed (unknown kind, family, direction or reason; unframed batch tails)',
    malformedBytes,
  );
}

import type { NativeRecord } from '../../native/records.js';
import { IPPROTO_TCP, IPPROTO_UDP } from '../ip-protocols.js';
import type { L7Payload } from './l7-tracker.js';

/** The L7 input a payload record (packet start) or TLS record (plaintext of one call) carries. */
export function l7PayloadOf(record: NativeRecord): L7Payload | undefined {
  if ((record.kind !== 'payload' && record.kind !== 'tls') || record.payload === undefined) return undefined;
  const protocol = record.protocol === IPPROTO_TCP ? 'TCP' : record.protocol === IPPROTO_UDP ? 'UDP' : undefined;
  if (protocol === undefined) return undefined;
  const payload: L7Payload = {
    timeNs: record.timeNs,
    protocol,
    sourceIp: record.source,
    sourcePort: record.sourcePort,
    destinationIp: record.destination,
    destinationPort: record.destinationPort,
    payload: record.payload,
    payloadTruncated: (record.payloadTotalBytes ?? 0) > record.payload.length,
    tlsPlaintext: record.kind === 'tls',
  };
  if (record.kind === 'tls') payload.pairingScope = `pid ${record.pid}`;
  return payload;
}

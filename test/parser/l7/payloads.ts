import type { L7Payload } from '../../../src/parser/l7/l7-tracker.js';

// L7 payload records for tracker tests, with the addresses of one client and one server.

export const CLIENT = { ip: '198.18.1.5', port: 40_000 };
export const SERVER = { ip: '198.18.2.7', port: 80 };
export const MS = 1_000_000n;

export function fromClient(timeNs: bigint, payload: Uint8Array, extra: Partial<L7Payload> = {}): L7Payload {
  return {
    timeNs,
    protocol: 'TCP',
    sourceIp: CLIENT.ip,
    sourcePort: CLIENT.port,
    destinationIp: SERVER.ip,
    destinationPort: SERVER.port,
    payload,
    payloadTruncated: false,
    tlsPlaintext: false,
    ...extra,
  };
}

export function fromServer(timeNs: bigint, payload: Uint8Array, extra: Partial<L7Payload> = {}): L7Payload {
  return {
    ...fromClient(timeNs, payload, extra),
    sourceIp: extra.sourceIp ?? SERVER.ip,
    sourcePort: extra.sourcePort ?? SERVER.port,
    destinationIp: extra.destinationIp ?? CLIENT.ip,
    destinationPort: extra.destinationPort ?? CLIENT.port,
  };
}

export const text = (s: string): Buffer => Buffer.from(s, 'latin1');

import type { CapturedInterface, InterfaceLookup } from '../../src/capture/source.js';
import type { NativeRecord } from '../../src/native/records.js';

// Typed native records for parser tests: a TCP packet from 198.18.0.1:40000 to
// 198.18.0.2:80 seen at TC ingress of ifindex 7, unless the test says otherwise.

export const TEST_TIME_NS = 1_700_000_000_123_456_789n;

export function record(overrides: Partial<NativeRecord> = {}): NativeRecord {
  return {
    kind: 'flow',
    reason: 'new',
    ifindex: 7,
    timeNs: TEST_TIME_NS,
    packets: 1,
    bytes: 74,
    family: 4,
    source: '198.18.0.1',
    destination: '198.18.0.2',
    sourcePort: 40000,
    destinationPort: 80,
    protocol: 6,
    direction: 'ingress',
    tcpFlags: 0,
    icmpType: 0,
    icmpCode: 0,
    dropReason: 0,
    pid: 0,
    aux: 0,
    ...overrides,
  };
}

/** The same record seen from the other end: addresses and ports swapped. */
export function reverse(of: NativeRecord, overrides: Partial<NativeRecord> = {}): NativeRecord {
  return record({
    ...of,
    source: of.destination,
    destination: of.source,
    sourcePort: of.destinationPort,
    destinationPort: of.sourcePort,
    ...overrides,
  });
}

export function interfaces(...list: CapturedInterface[]): InterfaceLookup {
  const byIndex = new Map(list.map((iface) => [iface.index, iface]));
  return { lookupInterface: (ifindex) => byIndex.get(ifindex) };
}

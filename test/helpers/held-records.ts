import fc from 'fast-check';
import type { NativeRecord } from '../../src/native/records.js';
import { HOST_NETNS, OTHER_NETNS } from './held-slots.js';
import { record, reverse } from './records.js';

// Generated records of every kind ingest holds as L3/L4 slots, for properties over held slots:
// both families (with IPv4-mapped IPv6), the protocols with and without ports, every flag,
// both directions, interfaces of both roles and unknown ones, answered connections (so the
// reply tracker marks replies) and drops in the agent's network namespace and in another.

export const V4 = ['198.18.0.1', '198.18.0.2', '198.18.1.7', '198.19.255.254'];
// ::ffff:c612:1 is 198.18.0.1 mapped into IPv6 (the record writer takes hex groups only).
export const V6 = ['fd00::1', 'fd00::2', 'fd00:1::5', '::ffff:c612:1', 'fd00::ffff:c612:1'];
export const PORTS = [0, 53, 80, 443, 8080, 40000, 65535];

export const heldRecords: fc.Arbitrary<NativeRecord[]> = fc
  .array(
    fc.record({
      kind: fc.constantFrom('flow', 'drop', 'payload' as const),
      family: fc.constantFrom(4, 6 as const),
      source: fc.nat(100),
      destination: fc.nat(100),
      sourcePort: fc.constantFrom(...PORTS),
      destinationPort: fc.constantFrom(...PORTS),
      protocol: fc.constantFrom(6, 17, 1, 58, 132, 47),
      direction: fc.constantFrom('ingress', 'egress' as const),
      tcpFlags: fc.integer({ min: 0, max: 255 }),
      icmpType: fc.constantFrom(0, 3, 8, 128, 129),
      ifindex: fc.constantFrom(2, 5, 6, 9),
      dropReason: fc.constantFrom(0, 2, 3, 5, 12, 77),
      aux: fc.constantFrom(HOST_NETNS, OTHER_NETNS),
      answered: fc.boolean(),
    }),
    { minLength: 1, maxLength: 40 },
  )
  .map((drawn) =>
    drawn.flatMap(({ family, source, destination, answered, ...fields }) => {
      const pool = family === 4 ? V4 : V6;
      const sent = record({ ...fields, family, source: pool[source % pool.length]!, destination: pool[destination % pool.length]! });
      // The other direction of the same connection, so the reply tracker marks replies.
      return answered ? [sent, reverse(sent, { kind: 'flow', tcpFlags: sent.tcpFlags | 0x10, icmpType: 0 })] : [sent];
    }),
  );


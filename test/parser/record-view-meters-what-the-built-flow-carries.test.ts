import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { meteredFlowOf, type MeteredFlow } from '../../src/metrics/metered-flow.js';
import type { NativeRecord } from '../../src/native/records.js';
import { DropReasonMapper } from '../../src/parser/drop-reason.js';
import { RecordMeteredFlow } from '../../src/parser/record-metered-flow.js';
import { DROP_REASON_NAMES, heldSlots, HOST_NETNS, OTHER_NETNS } from '../helpers/held-slots.js';
import { record, reverse } from '../helpers/records.js';

// Flow metrics count L3/L4 records at ingest through a view of their bytes, never building a
// Flow: every value the view gives must be what the same record's built flow gives.

const ADDRESSES = { 4: ['198.18.0.1', '198.18.0.2', '198.19.3.4'], 6: ['fd00::1', 'fd00::2', 'fd00:1::5'] } as const;

const records: fc.Arbitrary<NativeRecord[]> = fc
  .array(
    fc.record({
      kind: fc.constantFrom('flow', 'drop', 'payload' as const),
      family: fc.constantFrom(4, 6 as const),
      source: fc.nat(2),
      destination: fc.nat(2),
      sourcePort: fc.constantFrom(0, 53, 80, 40000),
      destinationPort: fc.constantFrom(0, 53, 80, 40000),
      protocol: fc.constantFrom(6, 17, 1, 58, 132),
      direction: fc.constantFrom('ingress', 'egress' as const),
      tcpFlags: fc.integer({ min: 0, max: 255 }),
      icmpType: fc.constantFrom(0, 3, 8, 128, 129),
      icmpCode: fc.constantFrom(0, 1, 3),
      ifindex: fc.constantFrom(2, 5, 6, 9),
      dropReason: fc.constantFrom(0, 2, 3, 5, 12, 77),
      aux: fc.constantFrom(HOST_NETNS, OTHER_NETNS),
      answered: fc.boolean(),
    }),
    { minLength: 1, maxLength: 30 },
  )
  .map((drawn) =>
    drawn.flatMap(({ family, source, destination, answered, ...fields }) => {
      const sent = record({ ...fields, family, source: ADDRESSES[family][source]!, destination: ADDRESSES[family][destination]! });
      return answered ? [sent, reverse(sent, { kind: 'flow', tcpFlags: sent.tcpFlags | 0x10 })] : [sent];
    }),
  );

function values(view: MeteredFlow) {
  return {
    type: view.type,
    verdict: view.verdict,
    eventType: view.eventType,
    eventSubType: view.eventSubType,
    ipVersion: view.ipVersion,
    l4Protocol: view.l4Protocol,
    sourcePort: view.sourcePort,
    destinationPort: view.destinationPort,
    tcpFlags: view.tcpFlags,
    icmpType: view.icmpType,
    icmpCode: view.icmpCode,
    isReply: view.isReply,
    trafficDirection: view.trafficDirection,
    dropReasonDesc: view.dropReasonDesc,
    source: view.source,
    destination: view.destination,
    dropReasonName: view.dropReasonName(),
    sourceIp: view.sourceIp(),
    destinationIp: view.destinationIp(),
    sourceNames: view.sourceNames(),
    destinationNames: view.destinationNames(),
    l7: view.l7(),
    traceId: view.traceId(),
  };
}

describe('the record view flow metrics read', () => {
  it('gives for every field what the flow built from the same slot gives', () => {
    const view = new RecordMeteredFlow(new DropReasonMapper(DROP_REASON_NAMES));
    fc.assert(
      fc.property(records, (drawn) => {
        for (const { slot, flow } of heldSlots(drawn)) {
          expect(values(view.set(slot.records, slot.recordAt, slot))).toStrictEqual(values(meteredFlowOf(flow)));
        }
      }),
      { numRuns: 300 },
    );
  });
});

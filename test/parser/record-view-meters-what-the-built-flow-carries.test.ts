import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { meteredFlowOf, type MeteredFlow } from '../../src/metrics/metered-flow.js';
import { DropReasonMapper } from '../../src/parser/drop-reason.js';
import { RecordMeteredFlow } from '../../src/parser/record-metered-flow.js';
import { heldRecords } from '../helpers/held-records.js';
import { DROP_REASON_NAMES, heldSlots } from '../helpers/held-slots.js';

// Flow metrics count L3/L4 records at ingest through a view of their bytes, never building a
// Flow: every value the view gives must be what the same record's built flow gives.

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
      fc.property(heldRecords, (drawn) => {
        for (const { slot, flow } of heldSlots(drawn)) {
          expect(values(view.set(slot.records, slot.recordAt, slot))).toStrictEqual(values(meteredFlowOf(flow)));
        }
      }),
      { numRuns: 300 },
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LostEvent, Timestamp } from '../../src/proto/flow.js';
import { LOST_EVENT_SOURCES } from '../../src/proto/flow.js';
import { encodeFlow } from '../../src/proto/flow-encoder.js';
import { messageCodec, protoRoot } from '../../src/proto/load.js';
import { flowResponseBytes, lostEventsResponseBytes } from '../../src/proto/get-flows-response.js';
import { makeFlow } from '../helpers/flows.js';
import { flowArbitrary } from './flow-arbitrary.js';

// The hand-written encoder against the path it replaces: protobufjs fromObject + encode for a
// flow.Flow, and @grpc/proto-loader's GetFlowsResponse serializer for a whole response.

const RUNS = 3000;
const FLOW = protoRoot.lookupType('flow.Flow');
const responseCodec = messageCodec<object>('observer.GetFlowsResponse');

const protobufjsFlow = (flow: object): Buffer => Buffer.from(FLOW.encode(FLOW.fromObject(flow)).finish());
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const timestamp = fc.record({ seconds: fc.nat(2 ** 34), nanos: fc.nat(999_999_999) }, { requiredKeys: [] }) as fc.Arbitrary<Timestamp>;

describe('the hand-written Flow encoder', () => {
  it('writes the bytes protobufjs writes for every generated flow', () => {
    fc.assert(
      fc.property(flowArbitrary, (flow) => {
        expect(hex(encodeFlow(flow))).toBe(hex(protobufjsFlow(flow)));
      }),
      { numRuns: RUNS },
    );
  });

  it('writes the bytes protobufjs writes for a flow as the agent fills it in', () => {
    const flow = makeFlow({
      ethernet: { source: '02:00:00:00:00:01', destination: '02:00:00:00:00:02' },
      l7: { type: 'REQUEST', latency_ns: 0, dns: { query: 'shop.example.', qtypes: ['A'], observation_source: 'ebpf' } },
      source_names: ['cart.shop.svc.cluster.local'],
      socket_cookie: 2 ** 40 + 3,
    });
    expect(hex(encodeFlow(flow))).toBe(hex(protobufjsFlow(flow)));
  });

  it('frames a flow response as proto-loader serializes it, node name and time around the flow', () => {
    fc.assert(
      fc.property(flowArbitrary, fc.string({ unit: 'binary', maxLength: 80 }), timestamp, (flow, nodeName, time) => {
        const expected = responseCodec.serialize({ flow, node_name: nodeName, time });
        expect(hex(flowResponseBytes(encodeFlow(flow), nodeName, time))).toBe(hex(expected));
      }),
      { numRuns: RUNS },
    );
  });

  it('frames a lost-events response as proto-loader serializes it', () => {
    const lost: fc.Arbitrary<LostEvent> = fc.record(
      {
        source: fc.constantFrom(...LOST_EVENT_SOURCES),
        num_events_lost: fc.maxSafeNat(),
        cpu: fc.record({ value: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) }, { requiredKeys: [] }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(lost, fc.string({ maxLength: 40 }), timestamp, (lostEvents, nodeName, time) => {
        const expected = responseCodec.serialize({ lost_events: lostEvents, node_name: nodeName, time });
        expect(hex(lostEventsResponseBytes(lostEvents, nodeName, time))).toBe(hex(expected));
      }),
      { numRuns: RUNS },
    );
  });
});

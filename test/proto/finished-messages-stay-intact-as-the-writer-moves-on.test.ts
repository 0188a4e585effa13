import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Flow } from '../../src/proto/flow.js';
import { writeFlow } from '../../src/proto/flow-encoder.js';
import { protoRoot } from '../../src/proto/load.js';
import { ProtoWriter, WIRE_LENGTH_DELIMITED } from '../../src/proto/proto-writer.js';
import { makeFlow } from '../helpers/flows.js';

// A writer can hand out each message where it wrote it and carry on after it, moving to a new
// chunk of memory when one fills: a message handed out must keep its bytes whatever is written
// later, including messages that fill a chunk mid-way or are larger than one, and messages
// copied out between them.

const FLOW = protoRoot.lookupType('flow.Flow');
const protobufjsFlow = (flow: object): string => Buffer.from(FLOW.encode(FLOW.fromObject(flow)).finish()).toString('hex');

const flowOfSize = fc.record({
  summaryUnits: fc.oneof(fc.nat(200), fc.integer({ min: 60_000, max: 140_000 })),
  labels: fc.nat(40),
  unicode: fc.boolean(),
  copied: fc.boolean(),
});

describe('messages the writer has finished', () => {
  it('keep their bytes while later messages are written, across chunks', () => {
    fc.assert(
      fc.property(fc.array(flowOfSize, { minLength: 1, maxLength: 60 }), (sizes) => {
        const w = new ProtoWriter();
        const flows: Flow[] = sizes.map(({ summaryUnits, labels, unicode }, i) =>
          makeFlow({
            uuid: `flow-${i}`,
            Summary: (unicode ? 'ü' : 's').repeat(summaryUnits),
            source: { namespace: 'shop', labels: Array.from({ length: labels }, (_, l) => `k8s:label-${l}=value-${i}`) },
          }),
        );
        const written = flows.map((flow, i) => {
          writeFlow(w.reset(), flow);
          return sizes[i]!.copied ? w.finish() : w.finishInPlace();
        });
        flows.forEach((flow, i) => expect(written[i]!.toString('hex'), `flow ${i}`).toBe(protobufjsFlow(flow)));
      }),
      { numRuns: 40 },
    );
  });

  it('are whole when a nested message reaches the end of a chunk at any byte', () => {
    const body = Buffer.alloc(300, 0x61);
    // The nested message: field 1 holding field 2, a string of 300 bytes (both lengths take two bytes).
    const expected = Buffer.concat([Buffer.from([0x0a, 0xaf, 0x02, 0x12, 0xac, 0x02]), body]).toString('hex');
    // Fillers around the writer's chunk size (64 KiB) put the message's end on every byte near it.
    for (let filler = 64 * 1024 - 700; filler <= 64 * 1024 + 10; filler++) {
      const w = new ProtoWriter();
      w.reset().raw(Buffer.alloc(filler, 0xff));
      const first = w.finishInPlace();
      w.reset().tag(1, WIRE_LENGTH_DELIMITED);
      const begun = w.beginMessage();
      w.tag(2, WIRE_LENGTH_DELIMITED);
      w.string(body.toString());
      w.endMessage(begun);
      expect(w.finishInPlace().toString('hex'), `after ${filler} bytes`).toBe(expected);
      expect(first.length === filler && first.every((byte) => byte === 0xff)).toBe(true);
    }
  });
});

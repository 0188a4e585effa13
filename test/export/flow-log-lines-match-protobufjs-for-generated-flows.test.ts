import fc from 'fast-check';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { writeGetFlowsResponse } from '../../src/export/protojson-writer.js';
import { protoRoot } from '../../src/proto/load.js';
import { protoJsonByProtobufjs } from './protojson-by-protobufjs.js';

// The writer takes shortcuts (generated code, texts of frozen objects kept, the last
// timestamp kept); over generated responses, every field of every type, its bytes must be
// those of protobufjs's conversion and the proto3 JSON mapping.

const text = fc.oneof(
  fc.constantFrom('', 'default/node-a', 'k8s:app=client', '<a href="x">&amp;</a>', 'tab\there', 'line\u2028sep', '\ud800 lone', 'é✓😀'),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
);
const timestamp = fc.record({
  seconds: fc.oneof(fc.integer({ min: 1_600_000_000, max: 1_600_000_003 }), fc.integer({ min: -62_135_596_800, max: 253_402_300_799 })),
  nanos: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 999 }).map((n) => n * 1_000_000), fc.integer({ min: 0, max: 999_999 }).map((n) => n * 1000), fc.integer({ min: 0, max: 999_999_999 })),
});

function scalarOf(field: protobuf.Field): fc.Arbitrary<unknown> {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Enum) {
    const names = Object.keys(resolved.values);
    return fc.oneof(fc.constantFrom(...names), fc.constantFrom(...Object.values(resolved.values)));
  }
  switch (field.type) {
    case 'string':
      return text;
    case 'bool':
      return fc.boolean();
    case 'double':
    case 'float':
      return fc.oneof(fc.constantFrom(0, 1.5, -2, 1e21, Number.NaN, Infinity), fc.double({ noNaN: true }));
    case 'bytes':
      return fc.uint8Array({ maxLength: 8 });
    case 'int64':
    case 'sint64':
    case 'sfixed64':
      return fc.oneof(fc.constant(0), fc.integer({ min: -(2 ** 40), max: 2 ** 40 }));
    case 'uint64':
    case 'fixed64':
      return fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 2 ** 40 }));
    case 'uint32':
    case 'fixed32':
      return fc.oneof(fc.constant(0), fc.nat());
    default:
      return fc.oneof(fc.constant(0), fc.integer());
  }
}

/** Any message of `type`, nested `depth` levels at most; some objects frozen, as shared ones are. */
function messageOf(type: protobuf.Type, depth: number): fc.Arbitrary<Record<string, unknown>> {
  if (type.fullName === '.google.protobuf.Timestamp') return timestamp;
  const fields: Record<string, fc.Arbitrary<unknown>> = {};
  for (const field of type.fieldsArray) {
    field.resolve();
    const nested = field.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined;
    if (nested !== undefined && depth === 0) continue;
    const item = nested ? messageOf(nested, depth - 1) : scalarOf(field);
    fields[field.name] = field.repeated ? fc.array(item, { maxLength: 3 }) : item;
  }
  return fc
    .record(fields, { requiredKeys: [] })
    .map((message) => {
      // One member of a oneof at most, as a decoded message holds.
      for (const oneof of type.oneofsArray) for (const name of oneof.oneof.filter((n) => n in message).slice(1)) delete message[name];
      return message;
    })
    .chain((message) => fc.boolean().map((freeze) => (freeze ? deepFreeze(message) : message)));
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !(value instanceof Uint8Array)) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}

const flow = messageOf(protoRoot.lookupType('flow.Flow'), 4);
const lostEvents = messageOf(protoRoot.lookupType('flow.LostEvent'), 2);

describe('a flow-log line of a generated response', () => {
  it('has the bytes protobufjs and the proto3 JSON mapping give, shared (frozen) objects and repeated timestamps included', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof({ weight: 4, arbitrary: flow.map((f) => ({ flow: f })) }, { weight: 1, arbitrary: lostEvents.map((l) => ({ lost_events: l })) }), { minLength: 1, maxLength: 6 }), text, timestamp, (bodies, nodeName, time) => {
        // The same objects again: kept texts must stay right.
        for (const body of [...bodies, ...bodies]) {
          const response = 'flow' in body ? { ...body, node_name: (body.flow.node_name as string | undefined) ?? nodeName, time: body.flow.time ?? time } : { ...body, node_name: nodeName, time };
          expect(writeGetFlowsResponse(response)).toBe(protoJsonByProtobufjs('observer.GetFlowsResponse', response));
        }
      }),
      { numRuns: 300 },
    );
  });
});

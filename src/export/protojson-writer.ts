import protobuf from 'protobufjs';
import { protoRoot } from '../proto/load.js';

// Protobuf JSON as Go's protojson writes it with UseProtoNames (what Cilium's generated
// MarshalJSON methods use), passed through encoding/json as the upstream exporter does:
// proto field names in declaration order, enums by name, 64-bit integers as strings,
// Timestamps in RFC 3339 (0, 3, 6 or 9 fraction digits), wrappers as their bare value,
// unset and default scalar fields left out, and the output compact with <, >, &, U+2028
// and U+2029 escaped. Input is the in-memory message form of src/proto/flow.ts.

export type JsonEncoder = (value: unknown) => string;

export class ProtoJsonWriteError extends Error {}

const LONG_TYPES = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const INT_TYPES = new Set(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32']);
const WRAPPERS = new Set(['BoolValue', 'Int32Value', 'UInt32Value', 'Int64Value', 'UInt64Value', 'StringValue', 'BytesValue', 'DoubleValue', 'FloatValue'].map((n) => `.google.protobuf.${n}`));

// The earliest and latest instants protojson accepts: 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z.
const MIN_SECONDS = -62_135_596_800;
const MAX_SECONDS = 253_402_300_799;

// Text with none of these is written as it is; the rest goes through JSON.stringify.
const NEEDS_ESCAPING = /["\\\u0000-\u001f<>&\u2028\u2029\ud800-\udfff]/;
const HTML_UNSAFE = /[<>&\u2028\u2029]/;
const HTML_UNSAFE_ALL = /[<>&\u2028\u2029]/g;
const HTML_ESCAPES: Record<string, string> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029' };

/** A JSON string literal escaped as Go's protojson and encoding/json together escape it. */
export function jsonString(text: string): string {
  if (!NEEDS_ESCAPING.test(text)) return `"${text}"`;
  const literal = JSON.stringify(text);
  return HTML_UNSAFE.test(literal) ? literal.replace(HTML_UNSAFE_ALL, (c) => HTML_ESCAPES[c]!) : literal;
}

function longText(value: unknown): string {
  return typeof value === 'string' ? value : String(value);
}

function isZeroLong(value: unknown): boolean {
  return value === 0 || value === '0' || value === 0n || (typeof value === 'object' && value !== null && String(value) === '0');
}

function doubleText(value: number): string {
  if (Number.isNaN(value)) return '"NaN"';
  if (value === Infinity) return '"Infinity"';
  if (value === -Infinity) return '"-Infinity"';
  return String(value);
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

let cachedSeconds = Number.NaN;
let cachedPrefix = '';

/** google.protobuf.Timestamp as RFC 3339 in UTC; the date part is cached per second, as flows come in bursts. */
export function timestampText(value: { seconds?: unknown; nanos?: number }): string {
  const seconds = Number(value.seconds ?? 0);
  const nanos = value.nanos ?? 0;
  if (!Number.isInteger(seconds) || seconds < MIN_SECONDS || seconds > MAX_SECONDS || !Number.isInteger(nanos) || nanos < 0 || nanos > 999_999_999) {
    throw new ProtoJsonWriteError(`timestamp out of range: seconds ${String(value.seconds)}, nanos ${String(value.nanos)}`);
  }
  if (seconds !== cachedSeconds) {
    cachedPrefix = new Date(seconds * 1000).toISOString().slice(0, 19);
    cachedSeconds = seconds;
  }
  if (nanos === 0) return `"${cachedPrefix}Z"`;
  if (nanos % 1_000_000 === 0) return `"${cachedPrefix}.${pad(nanos / 1_000_000, 3)}Z"`;
  if (nanos % 1_000 === 0) return `"${cachedPrefix}.${pad(nanos / 1_000, 6)}Z"`;
  return `"${cachedPrefix}.${pad(nanos, 9)}Z"`;
}

interface ScalarCodec {
  /** Whether an implicit-presence field holding this value is left out. */
  isDefault: (value: unknown) => boolean;
  encode: JsonEncoder;
}

function scalarCodec(field: protobuf.Field): ScalarCodec {
  const type = field.type;
  if (type === 'string') return { isDefault: (v) => v === '', encode: (v) => jsonString(v as string) };
  if (type === 'bool') return { isDefault: (v) => v === false, encode: (v) => (v ? 'true' : 'false') };
  if (INT_TYPES.has(type)) return { isDefault: (v) => v === 0, encode: (v) => String(v) };
  if (LONG_TYPES.has(type)) return { isDefault: isZeroLong, encode: (v) => `"${longText(v)}"` };
  if (type === 'double' || type === 'float') return { isDefault: (v) => v === 0, encode: (v) => doubleText(v as number) };
  if (type === 'bytes') {
    return { isDefault: (v) => (v as Uint8Array).length === 0, encode: (v) => `"${Buffer.from(v as Uint8Array).toString('base64')}"` };
  }
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Enum) {
    const values = resolved.values;
    const names = resolved.valuesById;
    return {
      isDefault: (v) => v === 0 || values[v as string] === 0,
      encode: (v) => (typeof v === 'number' ? (names[v] !== undefined ? `"${names[v]}"` : String(v)) : jsonString(v as string)),
    };
  }
  throw new ProtoJsonWriteError(`field ${field.fullName} has type ${type}, which the writer does not know`);
}

const messageEncoders = new Map<string, JsonEncoder>();

/** A wrapper is written as its bare value; an empty one holds the type's default. */
function wrapperEncoder(type: protobuf.Type): JsonEncoder {
  const field = type.fields.value!;
  const codec = scalarCodec(field);
  const fallback = field.type === 'bool' ? false : field.type === 'string' ? '' : field.type === 'bytes' ? new Uint8Array(0) : 0;
  return (v) => codec.encode((v as { value?: unknown }).value ?? fallback);
}

type FieldWriter = (message: Record<string, unknown>) => string | undefined;

/** A map field, written as a JSON object keyed by the map keys. */
function mapWriter(field: protobuf.Field, key: string, element: JsonEncoder): FieldWriter {
  return (message) => {
    const entries = message[field.name] as Record<string, unknown> | undefined;
    if (entries === undefined || entries === null) return undefined;
    const keys = Object.keys(entries);
    if (keys.length === 0) return undefined;
    return `${key}{${keys.map((k) => `${jsonString(k)}:${element(entries[k])}`).join(',')}}`;
  };
}

// Each message type gets one generated function that tests and writes its fields in order
// (what protobufjs does for the binary codec): several times faster than a closure per field.
function buildMessageEncoder(type: protobuf.Type): JsonEncoder {
  if (type.fullName === '.google.protobuf.Timestamp') return (v) => timestampText(v as { seconds?: unknown; nanos?: number });
  if (WRAPPERS.has(type.fullName)) return wrapperEncoder(type);
  const encoders: JsonEncoder[] = [];
  const defaults: ((value: unknown) => boolean)[] = [];
  const maps: FieldWriter[] = [];
  const body: string[] = ["let o = '{', s = '', v, p;"];
  for (const field of type.fieldsArray) {
    field.resolve();
    const key = JSON.stringify(`"${field.name}":`);
    const access = `m[${JSON.stringify(field.name)}]`;
    const resolved = field.resolvedType;
    let nested: JsonEncoder | undefined;
    // Resolved on first use, so a type that contains itself does not recurse while being built.
    const element: JsonEncoder = resolved instanceof protobuf.Type ? (v) => (nested ??= encoderFor(resolved))(v) : scalarCodec(field).encode;
    const e = encoders.push(element) - 1;
    if (field.map) {
      const w = maps.push(mapWriter(field, JSON.parse(key) as string, element)) - 1;
      body.push(`p = M[${w}](m); if (p !== undefined) { o += s + p; s = ','; }`);
    } else if (field.repeated) {
      body.push(`v = ${access}; if (v != null && v.length > 0) { o += s + ${key} + '['; for (let i = 0; i < v.length; i++) o += (i === 0 ? '' : ',') + E[${e}](v[i]); o += ']'; s = ','; }`);
    } else if (resolved instanceof protobuf.Type || field.partOf !== null) {
      // Messages and oneof members have presence: written when set, whatever they hold.
      body.push(`v = ${access}; if (v != null) { o += s + ${key} + E[${e}](v); s = ','; }`);
    } else {
      const d = defaults.push(scalarCodec(field).isDefault) - 1;
      body.push(`v = ${access}; if (v != null && !D[${d}](v)) { o += s + ${key} + E[${e}](v); s = ','; }`);
    }
  }
  body.push("return o + '}';");
  const make = new Function('E', 'D', 'M', `return function encode(m) { ${body.join('\n')} };`) as (
    e: JsonEncoder[],
    d: ((value: unknown) => boolean)[],
    m: FieldWriter[],
  ) => JsonEncoder;
  return make(encoders, defaults, maps);
}

/** The encoder of a message type, built once per type. */
export function encoderFor(type: protobuf.Type): JsonEncoder {
  let encoder = messageEncoders.get(type.fullName);
  if (encoder === undefined) {
    encoder = buildMessageEncoder(type);
    messageEncoders.set(type.fullName, encoder);
  }
  return encoder;
}

const GET_FLOWS_RESPONSE = protoRoot.lookupType('observer.GetFlowsResponse');

/** One GetFlowsResponse as a protobuf JSON line, without the newline. */
export const writeGetFlowsResponse: JsonEncoder = encoderFor(GET_FLOWS_RESPONSE);

/** Any message of the served protos by its full name (`flow.Flow`, `flow.FlowFilter`). */
export function writeMessage(typeName: string, value: unknown): string {
  return encoderFor(protoRoot.lookupType(typeName))(value);
}

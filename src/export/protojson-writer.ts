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

/** `value` (below 10^digits) with leading zeros to `digits` digits, after a dot. */
function fraction(value: number, digits: number): string {
  const text = String(value);
  return `.${'00000000'.slice(0, digits - text.length)}${text}`;
}

let cachedSeconds = Number.NaN;
let cachedPrefix = '';
let lastSeconds = Number.NaN;
let lastNanos = Number.NaN;
let lastText = '';

/**
 * google.protobuf.Timestamp as RFC 3339 in UTC. The date part is cached per second, as flows
 * come in bursts, and the last text whole: a line writes the flow's time twice.
 */
export function timestampText(value: { seconds?: unknown; nanos?: number }): string {
  const seconds = Number(value.seconds ?? 0);
  const nanos = value.nanos ?? 0;
  if (seconds === lastSeconds && nanos === lastNanos) return lastText;
  if (!Number.isInteger(seconds) || seconds < MIN_SECONDS || seconds > MAX_SECONDS || !Number.isInteger(nanos) || nanos < 0 || nanos > 999_999_999) {
    throw new ProtoJsonWriteError(`timestamp out of range: seconds ${String(value.seconds)}, nanos ${String(value.nanos)}`);
  }
  if (seconds !== cachedSeconds) {
    cachedPrefix = new Date(seconds * 1000).toISOString().slice(0, 19);
    cachedSeconds = seconds;
  }
  let text: string;
  if (nanos === 0) text = `"${cachedPrefix}Z"`;
  else if (nanos % 1_000_000 === 0) text = `"${cachedPrefix}${fraction(nanos / 1_000_000, 3)}Z"`;
  else if (nanos % 1_000 === 0) text = `"${cachedPrefix}${fraction(nanos / 1_000, 6)}Z"`;
  else text = `"${cachedPrefix}${fraction(nanos, 9)}Z"`;
  lastSeconds = seconds;
  lastNanos = nanos;
  lastText = text;
  return text;
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
    const byNumber = new Map(Object.entries(resolved.valuesById).map(([id, name]) => [Number(id), jsonString(name)]));
    const byName = new Map(Object.keys(values).map((name) => [name, jsonString(name)]));
    return {
      isDefault: (v) => v === 0 || values[v as string] === 0,
      encode: (v) => (typeof v === 'number' ? (byNumber.get(v) ?? String(v)) : (byName.get(v as string) ?? jsonString(v as string))),
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

/** Whether `value` and every object and array it holds are frozen: its text can never change. */
function deeplyFrozen(value: object): boolean {
  if (!Object.isFrozen(value)) return false;
  for (const item of Object.values(value)) if (typeof item === 'object' && item !== null && !deeplyFrozen(item)) return false;
  return true;
}

/** `text` made one flat string in place (V8 flattens a string built by concatenation when a character is read). */
function flattened(text: string): string {
  text.charCodeAt(0);
  return text;
}

const frozenTexts = new Map<string, WeakMap<object, string>>();

/**
 * Frozen messages are the shared ones (the enrichment index's endpoints, the parser's TCP
 * flags): the text of one is made once, flat, and kept while it lives.
 */
function frozenTextOf(type: protobuf.Type, encode: () => JsonEncoder): JsonEncoder {
  let texts = frozenTexts.get(type.fullName);
  if (texts === undefined) frozenTexts.set(type.fullName, (texts = new WeakMap()));
  const cache = texts;
  return (v) => {
    let text = cache.get(v as object);
    if (text === undefined) {
      text = flattened(encode()(v));
      if (deeplyFrozen(v as object)) cache.set(v as object, text);
    }
    return text;
  };
}

// Each message type gets one generated function that tests and writes its fields in order
// (what protobufjs does for the binary codec): several times faster than a closure per field.
// Strings, integers and bools are tested and written inline. `f` tells whether a field is
// already written, so each key is one constant with or without its leading comma (every
// piece joined is one more for the line's final copy to visit).
function buildMessageEncoder(type: protobuf.Type): JsonEncoder {
  if (type.fullName === '.google.protobuf.Timestamp') return (v) => timestampText(v as { seconds?: unknown; nanos?: number });
  if (WRAPPERS.has(type.fullName)) return wrapperEncoder(type);
  const encoders: JsonEncoder[] = [];
  const frozen: JsonEncoder[] = [];
  const defaults: ((value: unknown) => boolean)[] = [];
  const maps: FieldWriter[] = [];
  const body: string[] = ["let o = '{', f = false, v, p;"];
  for (const field of type.fieldsArray) {
    field.resolve();
    const bare = `"${field.name}":`;
    const key = (after = '') => `(f ? ${JSON.stringify(`,${bare}${after}`)} : ${JSON.stringify(bare + after)})`;
    const access = `m[${JSON.stringify(field.name)}]`;
    const resolved = field.resolvedType;
    const e = encoders.length;
    if (resolved instanceof protobuf.Type) {
      // Resolved on first use (then called directly), so a type that contains itself does not recurse while being built.
      encoders.push((v) => (encoders[e] = encoderFor(resolved))(v));
      frozen[e] = frozenTextOf(resolved, () => encoders[e]!);
    } else {
      encoders.push(scalarCodec(field).encode);
    }
    if (field.map) {
      const w = maps.push(mapWriter(field, bare, (v) => encoders[e]!(v))) - 1;
      body.push(`p = M[${w}](m); if (p !== undefined) { o += (f ? ',' + p : p); f = true; }`);
    } else if (field.repeated) {
      body.push(`v = ${access}; if (v != null && v.length > 0) { o += ${key('[')} + E[${e}](v[0]); for (let i = 1; i < v.length; i++) o += ',' + E[${e}](v[i]); o += ']'; f = true; }`);
    } else if (resolved instanceof protobuf.Type) {
      // Messages have presence: written when set, whatever they hold.
      body.push(`v = ${access}; if (v != null) { o += ${key()} + (Object.isFrozen(v) ? F[${e}](v) : E[${e}](v)); f = true; }`);
    } else if (field.partOf !== null) {
      body.push(`v = ${access}; if (v != null) { o += ${key()} + E[${e}](v); f = true; }`);
    } else if (field.type === 'string') {
      body.push(`v = ${access}; if (v != null && v !== '') { o += (typeof v === 'string' && !X.test(v) ? ${key('"')} + v + '"' : ${key()} + J(v)); f = true; }`);
    } else if (INT_TYPES.has(field.type)) {
      body.push(`v = ${access}; if (v != null && v !== 0) { o += ${key()} + String(v); f = true; }`);
    } else if (field.type === 'bool') {
      body.push(`v = ${access}; if (v != null && v !== false) { o += ${key()} + (v ? 'true' : 'false'); f = true; }`);
    } else {
      const d = defaults.push(scalarCodec(field).isDefault) - 1;
      body.push(`v = ${access}; if (v != null && !D[${d}](v)) { o += ${key()} + E[${e}](v); f = true; }`);
    }
  }
  body.push("return o + '}';");
  const make = new Function('E', 'F', 'D', 'M', 'J', 'X', `return function encode(m) { ${body.join('\n')} };`) as (
    e: JsonEncoder[],
    f: JsonEncoder[],
    d: ((value: unknown) => boolean)[],
    m: FieldWriter[],
    j: (text: string) => string,
    x: RegExp,
  ) => JsonEncoder;
  return make(encoders, frozen, defaults, maps, jsonString, NEEDS_ESCAPING);
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

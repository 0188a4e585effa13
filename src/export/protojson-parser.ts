import protobuf from 'protobufjs';
import { protoRoot } from '../proto/load.js';

// Protobuf JSON read back into the in-memory form a gRPC client decodes (keepCase names,
// enums by name, 64-bit integers as numbers, defaults absent, the set oneof member named in
// its virtual field), so a flow-log line compares equal to what GetFlows returned. Accepts
// what Go's protojson accepts: proto or JSON (lowerCamelCase) field names, enum names or
// numbers, integers as numbers or strings, RFC 3339 timestamps with any offset, wrappers as
// bare values, null for unset. Unknown fields are errors, as upstream parses them.

export class ProtoJsonParseError extends Error {}

type Message = Record<string, unknown>;

const INT_RANGES: Record<string, [number, number]> = {
  int32: [-(2 ** 31), 2 ** 31 - 1],
  sint32: [-(2 ** 31), 2 ** 31 - 1],
  sfixed32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1],
  fixed32: [0, 2 ** 32 - 1],
};
const SIGNED_LONGS = new Set(['int64', 'sint64', 'sfixed64']);
const UNSIGNED_LONGS = new Set(['uint64', 'fixed64']);
const WRAPPERS = new Set(['BoolValue', 'Int32Value', 'UInt32Value', 'Int64Value', 'UInt64Value', 'StringValue', 'BytesValue', 'DoubleValue', 'FloatValue'].map((n) => `.google.protobuf.${n}`));
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;
const MIN_SECONDS = -62_135_596_800;
const MAX_SECONDS = 253_402_300_799;

function fail(path: string, reason: string): never {
  throw new ProtoJsonParseError(`${path}: ${reason}`);
}

/** protoc's JSON name: underscores dropped, the letter after each one upper-cased. */
function jsonName(name: string): string {
  return name.replace(/_+([a-z])?/g, (_, c: string | undefined) => (c === undefined ? '' : c.toUpperCase()));
}

function integer(value: unknown, path: string): number {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value);
  return fail(path, `expected an integer, got ${JSON.stringify(value)}`);
}

function parseTimestamp(value: unknown, path: string): Message {
  const match = typeof value === 'string' ? RFC3339.exec(value) : null;
  if (!match) return fail(path, `expected an RFC 3339 timestamp, got ${JSON.stringify(value)}`);
  const [, y, mo, d, h, mi, s, fraction, , sign, oh, om] = match;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const check = new Date(ms);
  if (check.getUTCDate() !== Number(d) || check.getUTCHours() !== Number(h) || Number(s) > 59) return fail(path, `no such instant: ${JSON.stringify(value)}`);
  const offset = sign === undefined ? 0 : (sign === '-' ? -1 : 1) * (Number(oh) * 3600 + Number(om) * 60);
  const seconds = Math.floor(ms / 1000) - offset;
  if (seconds < MIN_SECONDS || seconds > MAX_SECONDS) return fail(path, `timestamp out of range: ${JSON.stringify(value)}`);
  const nanos = fraction === undefined ? 0 : Number(fraction.padEnd(9, '0'));
  const out: Message = {};
  if (seconds !== 0) out.seconds = seconds;
  if (nanos !== 0) out.nanos = nanos;
  return out;
}

/** A scalar or enum value; `undefined` never comes back. */
function parseScalar(field: protobuf.Field, value: unknown, path: string): unknown {
  const type = field.type;
  if (type === 'string') return typeof value === 'string' ? value : fail(path, `expected a string, got ${JSON.stringify(value)}`);
  if (type === 'bool') return typeof value === 'boolean' ? value : fail(path, `expected true or false, got ${JSON.stringify(value)}`);
  const range = INT_RANGES[type];
  if (range) {
    const n = integer(value, path);
    return n >= range[0] && n <= range[1] ? n : fail(path, `${n} is out of range for ${type}`);
  }
  if (SIGNED_LONGS.has(type)) return integer(value, path);
  if (UNSIGNED_LONGS.has(type)) {
    const n = integer(value, path);
    return n >= 0 ? n : fail(path, `expected an unsigned integer, got ${n}`);
  }
  if (type === 'double' || type === 'float') {
    if (typeof value === 'number') return value;
    if (value === 'NaN') return Number.NaN;
    if (value === 'Infinity') return Infinity;
    if (value === '-Infinity') return -Infinity;
    if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
    return fail(path, `expected a number, got ${JSON.stringify(value)}`);
  }
  if (type === 'bytes') {
    if (typeof value === 'string' && /^[A-Za-z0-9+/_-]*={0,2}$/.test(value)) return Buffer.from(value, 'base64');
    return fail(path, `expected base64 bytes, got ${JSON.stringify(value)}`);
  }
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Enum) {
    if (typeof value === 'string') {
      return resolved.values[value] !== undefined ? value : fail(path, `${JSON.stringify(value)} is not a ${resolved.name} (${Object.keys(resolved.values).join(', ')})`);
    }
    const n = integer(value, path);
    return resolved.valuesById[n] ?? n;
  }
  return fail(path, `type ${type} is not known to the parser`);
}

function isDefaultScalar(field: protobuf.Field, value: unknown): boolean {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Enum) return value === 0 || resolved.values[value as string] === 0;
  if (value instanceof Uint8Array) return value.length === 0;
  return value === 0 || value === '' || value === false;
}

function parseValue(field: protobuf.Field, value: unknown, path: string): unknown {
  const resolved = field.resolvedType;
  return resolved instanceof protobuf.Type ? parseMessage(resolved, value, path) : parseScalar(field, value, path);
}

function parseMessage(type: protobuf.Type, value: unknown, path: string): Message {
  if (type.fullName === '.google.protobuf.Timestamp') return parseTimestamp(value, path);
  if (WRAPPERS.has(type.fullName)) {
    const field = type.fields.value!;
    const inner = parseScalar(field, value, path);
    return isDefaultScalar(field, inner) ? {} : { value: inner };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail(path, `expected an object for ${type.name}, got ${JSON.stringify(value)}`);
  const byName = new Map<string, protobuf.Field>();
  for (const field of type.fieldsArray) {
    field.resolve();
    byName.set(field.name, field);
    byName.set(jsonName(field.name), field);
  }
  const out: Message = {};
  const seen = new Set<protobuf.Field>();
  for (const [key, raw] of Object.entries(value)) {
    const field = byName.get(key);
    const at = `${path}.${key}`;
    if (field === undefined) return fail(at, `${type.name} has no field ${JSON.stringify(key)}`);
    if (seen.has(field)) return fail(at, `field ${field.name} is given twice`);
    seen.add(field);
    if (raw === null) continue;
    if (field.map) {
      if (typeof raw !== 'object' || Array.isArray(raw)) return fail(at, 'expected an object');
      const entries = Object.entries(raw as Message).map(([k, v]) => [k, parseValue(field, v, `${at}.${k}`)] as const);
      if (entries.length > 0) out[field.name] = Object.fromEntries(entries);
      continue;
    }
    if (field.repeated) {
      if (!Array.isArray(raw)) return fail(at, `expected a list, got ${JSON.stringify(raw)}`);
      if (raw.length > 0) out[field.name] = raw.map((item, i) => parseValue(field, item, `${at}[${i}]`));
      continue;
    }
    const parsed = parseValue(field, raw, at);
    const oneof = field.partOf;
    if (oneof !== null) {
      if (out[oneof.name] !== undefined) return fail(at, `only one of ${oneof.fieldsArray.map((f) => f.name).join(', ')} may be set`);
      out[oneof.name] = field.name;
      out[field.name] = parsed;
      continue;
    }
    if (field.resolvedType instanceof protobuf.Type || !isDefaultScalar(field, parsed)) out[field.name] = parsed;
  }
  return out;
}

/** A protobuf JSON value (already JSON-parsed, or text) as the in-memory message of `typeName`. */
export function parseProtoJson<T>(typeName: string, input: unknown): T {
  const type = protoRoot.lookupType(typeName);
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (err) {
      throw new ProtoJsonParseError(`not JSON: ${(err as Error).message}`);
    }
  }
  return parseMessage(type, value, type.name) as T;
}

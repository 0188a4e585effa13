import protobuf from 'protobufjs';
import { protoRoot } from '../../src/proto/load.js';

// Protobuf JSON by another road, for comparing the writer's bytes with: protobufjs's own
// conversion (fromObject, then toObject with enums as names, 64-bit integers as strings),
// the proto3 JSON mapping applied on top (Timestamps in RFC 3339, wrappers bare, fields at
// their default left out, declaration order), JSON.stringify, and the HTML escaping Go's
// encoding/json adds.

const WRAPPER = /^\.google\.protobuf\.(Bool|U?Int(32|64)|String|Bytes|Double|Float)Value$/;
const HTML = /[<>&\u2028\u2029]/g;

function rfc3339(seconds: number, nanos: number): string {
  const date = new Date(seconds * 1000).toISOString(); // 2023-11-14T22:13:20.000Z
  const digits = String(nanos).padStart(9, '0');
  const fraction = nanos === 0 ? '' : nanos % 1e6 === 0 ? digits.slice(0, 3) : nanos % 1e3 === 0 ? digits.slice(0, 6) : digits;
  return `${date.slice(0, 19)}${fraction === '' ? '' : `.${fraction}`}Z`;
}

function isDefault(field: protobuf.Field, value: unknown): boolean {
  if (field.resolvedType instanceof protobuf.Enum) return value === 0 || field.resolvedType.values[value as string] === 0;
  if (field.type === 'string') return value === '';
  if (field.type === 'bytes') return value === '';
  return value === 0 || value === '0' || value === false; // 64-bit integers come as strings
}

function scalar(field: protobuf.Field, value: unknown): unknown {
  if ((field.type === 'double' || field.type === 'float') && typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return value;
}

function message(type: protobuf.Type, object: Record<string, unknown>): unknown {
  if (type.fullName === '.google.protobuf.Timestamp') return rfc3339(Number(object.seconds ?? 0), Number(object.nanos ?? 0));
  if (WRAPPER.test(type.fullName)) {
    const field = type.fields.value!;
    return scalar(field, object.value ?? (field.type === 'bool' ? false : field.type === 'string' ? '' : /64/.test(field.type) ? '0' : 0));
  }
  const out: Record<string, unknown> = {};
  for (const field of type.fieldsArray) {
    const value = object[field.name];
    if (value === undefined || value === null) continue;
    const nested = field.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined;
    const item = (v: unknown): unknown => (nested ? message(nested, v as Record<string, unknown>) : scalar(field, v));
    if (field.map) {
      const entries = Object.entries(value as Record<string, unknown>);
      if (entries.length > 0) out[field.name] = Object.fromEntries(entries.map(([k, v]) => [k, item(v)]));
    } else if (field.repeated) {
      if ((value as unknown[]).length > 0) out[field.name] = (value as unknown[]).map(item);
    } else if (nested !== undefined || field.partOf !== null || !isDefault(field, value)) {
      out[field.name] = item(value);
    }
  }
  return out;
}

/** `value` as a message of `typeName` in protobuf JSON, compact, as Go writes it. */
export function protoJsonByProtobufjs(typeName: string, value: object): string {
  const type = protoRoot.lookupType(typeName);
  const converted = type.toObject(type.fromObject(value), { enums: String, longs: String, bytes: String });
  return JSON.stringify(message(type, converted)).replace(HTML, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

import protobuf from 'protobufjs';
import { protoRoot } from '../../src/proto/load.js';

// protobufjs sends a field set to its default (`sub_type: 0`) and decodes it back as set;
// proto3 (and Go's protojson) treat it as unset. Tests compare messages in this canonical
// form: scalars at their default and empty lists left out, everything else as it is.

function isDefault(field: protobuf.Field, value: unknown): boolean {
  if (field.resolvedType instanceof protobuf.Enum) return value === 0 || field.resolvedType.values[value as string] === 0;
  return value === 0 || value === '' || value === false;
}

function canonical(type: protobuf.Type, value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const field = type.fields[key];
    if (field === undefined) {
      out[key] = v; // a virtual oneof field
      continue;
    }
    field.resolve();
    const nested = field.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined;
    if (field.repeated) {
      const list = v as unknown[];
      if (list.length > 0) out[key] = nested ? list.map((item) => canonical(nested, item as Record<string, unknown>)) : list;
    } else if (nested) {
      out[key] = canonical(nested, v as Record<string, unknown>);
    } else if (field.partOf !== null || !isDefault(field, v)) {
      out[key] = v;
    }
  }
  return out;
}

export function proto3Canonical<T>(typeName: string, value: T): T {
  return canonical(protoRoot.lookupType(typeName), value as Record<string, unknown>) as T;
}

/** A message as a gRPC client receives it (encoded, decoded with the agent's loader options), in canonical form. */
export function asReceived<T>(typeName: string, value: T): T {
  const type = protoRoot.lookupType(typeName);
  const decoded = type.decode(type.encode(type.fromObject(value as Record<string, unknown>)).finish());
  return proto3Canonical(typeName, type.toObject(decoded, { enums: String, longs: Number, defaults: false, oneofs: true }) as T);
}

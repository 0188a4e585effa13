// Just enough of the protobuf wire format to pull a few fields out of a GetFlowsResponse
// without decoding the whole message: the bench's clients must cost far less than the
// agent's encoding, or they would measure themselves.

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;

export interface WireField {
  number: number;
  /** Varint value (wire type 0), else undefined. */
  value?: number;
  /** Bytes of a length-delimited field (wire type 2), else undefined. */
  bytes?: Buffer;
}

function readVarint(buf: Buffer, at: number): [value: number, next: number] {
  let value = 0;
  let scale = 1;
  for (let i = at; i < buf.length; i++) {
    const byte = buf[i]!;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return [value, i + 1];
    scale *= 128;
  }
  throw new Error('truncated varint');
}

/** Calls visit for every top-level field of one message; stops early when visit returns false. */
export function forEachField(buf: Buffer, visit: (field: WireField) => boolean | void): void {
  let at = 0;
  while (at < buf.length) {
    const [key, afterKey] = readVarint(buf, at);
    const number = Math.floor(key / 8);
    const wireType = key % 8;
    let field: WireField;
    switch (wireType) {
      case WIRE_VARINT: {
        const [value, next] = readVarint(buf, afterKey);
        field = { number, value };
        at = next;
        break;
      }
      case WIRE_LENGTH_DELIMITED: {
        const [length, start] = readVarint(buf, afterKey);
        field = { number, bytes: buf.subarray(start, start + length) };
        at = start + length;
        break;
      }
      case WIRE_FIXED64:
        field = { number };
        at = afterKey + 8;
        break;
      case WIRE_FIXED32:
        field = { number };
        at = afterKey + 4;
        break;
      default:
        throw new Error(`unsupported wire type ${wireType}`);
    }
    if (visit(field) === false) return;
  }
}

/** The bytes of the first field with this number (a sub-message or a string). */
export function subMessage(buf: Buffer, number: number): Buffer | undefined {
  let found: Buffer | undefined;
  forEachField(buf, (field) => {
    if (field.number !== number || field.bytes === undefined) return true;
    found = field.bytes;
    return false;
  });
  return found;
}

/** The value of the first varint field with this number; 0 when absent (the proto3 default). */
export function varintField(buf: Buffer, number: number): number {
  let found = 0;
  forEachField(buf, (field) => {
    if (field.number !== number || field.value === undefined) return true;
    found = field.value;
    return false;
  });
  return found;
}

// A protobuf writer over a chunk of memory: fields are written in place, a nested message
// reserves one byte for its length and moves its body only in the rare case the body reaches
// 128 bytes. `finish()` copies the written bytes out; nothing else allocates. `finishInPlace()`
// hands out the message where it was written instead (a view, no copy) and the writer moves
// on past it; a full chunk is then left to the messages in it (freed with the last of them)
// for a new one, into which only the message being written moves.

const CHUNK_BYTES = 64 * 1024;
const TWO_POW_32 = 4_294_967_296;
/** Strings this short take under 128 bytes of UTF-8 (3 bytes per UTF-16 unit at most). */
const SHORT_STRING_UNITS = 42;

export const WIRE_VARINT = 0;
export const WIRE_LENGTH_DELIMITED = 2;

/** Bytes the varint of a non-negative 32-bit value takes. */
export function varintSize(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  return 5;
}

export class ProtoWriter {
  private buf = Buffer.allocUnsafe(CHUNK_BYTES);
  /** Where the message being written starts: the bytes before it are finished messages'. */
  private start = 0;
  private pos = 0;

  /** Starts a new message, dropping whatever was written since the last finish(). */
  reset(): this {
    this.pos = this.start;
    return this;
  }

  /** A copy of the bytes written since reset(). */
  finish(): Buffer {
    const out = Buffer.allocUnsafe(this.pos - this.start);
    this.buf.copy(out, 0, this.start, this.pos);
    this.pos = this.start;
    return out;
  }

  /**
   * The bytes written since reset(), left where they are and never written over. The Buffer
   * keeps its whole chunk alive: for messages dropped in about the order they were written.
   */
  finishInPlace(): Buffer {
    const out = this.buf.subarray(this.start, this.pos);
    this.start = this.pos;
    return out;
  }

  tag(field: number, wireType: number): void {
    this.uint32((field << 3) | wireType);
  }

  /** Writes `value >>> 0` as a varint (protobuf uint32, and field tags). */
  uint32(value: number): void {
    this.ensure(5);
    const buf = this.buf;
    let v = value >>> 0;
    let pos = this.pos;
    while (v > 0x7f) {
      buf[pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[pos++] = v;
    this.pos = pos;
  }

  /** protobuf int32 (and enums): a negative value takes ten bytes, sign-extended to 64 bits. */
  int32(value: number): void {
    const v = value | 0;
    if (v >= 0) this.uint32(v);
    else this.varint64(v >>> 0, 0xffffffff);
  }

  /** protobuf int64/uint64 from a JavaScript number (integral part; two's complement when negative). */
  int64(value: number): void {
    const magnitude = Math.trunc(Math.abs(value));
    let lo = magnitude >>> 0;
    let hi = ((magnitude - lo) / TWO_POW_32) >>> 0;
    if (value < 0 && magnitude !== 0) {
      lo = ~lo >>> 0;
      hi = ~hi >>> 0;
      lo += 1;
      if (lo > 0xffffffff) {
        lo = 0;
        hi = (hi + 1) >>> 0;
      }
    }
    this.varint64(lo, hi);
  }

  bool(value: boolean): void {
    this.ensure(1);
    this.buf[this.pos++] = value ? 1 : 0;
  }

  /** A length-delimited UTF-8 string; lone surrogates become U+FFFD, as Buffer writes them. */
  string(value: string): void {
    const units = value.length;
    if (units > SHORT_STRING_UNITS) {
      const bytes = Buffer.byteLength(value, 'utf8');
      this.uint32(bytes);
      this.ensure(bytes);
      this.pos += this.buf.write(value, this.pos, bytes, 'utf8');
      return;
    }
    this.ensure(1 + units * 3);
    const buf = this.buf;
    const start = this.pos;
    let pos = start + 1;
    for (let i = 0; i < units; i++) {
      let c = value.charCodeAt(i);
      if (c < 0x80) {
        buf[pos++] = c;
      } else if (c < 0x800) {
        buf[pos++] = 0xc0 | (c >> 6);
        buf[pos++] = 0x80 | (c & 0x3f);
      } else {
        if (c >= 0xd800 && c <= 0xdfff) {
          const next = i + 1 < units ? value.charCodeAt(i + 1) : 0;
          if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
            c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
            i++;
            buf[pos++] = 0xf0 | (c >> 18);
            buf[pos++] = 0x80 | ((c >> 12) & 0x3f);
            buf[pos++] = 0x80 | ((c >> 6) & 0x3f);
            buf[pos++] = 0x80 | (c & 0x3f);
            continue;
          }
          c = 0xfffd;
        }
        buf[pos++] = 0xe0 | (c >> 12);
        buf[pos++] = 0x80 | ((c >> 6) & 0x3f);
        buf[pos++] = 0x80 | (c & 0x3f);
      }
    }
    buf[start] = pos - start - 1;
    this.pos = pos;
  }

  /** A length-delimited field body copied from `bytes`. */
  bytes(bytes: Uint8Array): void {
    this.uint32(bytes.length);
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** Bytes already encoded as whole fields, appended as they are. */
  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** Reserves the length of a nested message; pass the result to endMessage() after its fields. */
  beginMessage(): number {
    this.ensure(1);
    // Relative to the message's start, which moves when the message moves to a new chunk.
    return this.pos++ - this.start;
  }

  endMessage(begun: number): void {
    const length = this.pos - this.start - begun - 1;
    if (length < 0x80) {
      this.buf[this.start + begun] = length;
      return;
    }
    const extra = varintSize(length) - 1;
    this.ensure(extra);
    const lengthAt = this.start + begun;
    this.buf.copyWithin(lengthAt + 1 + extra, lengthAt + 1, this.pos);
    const end = this.pos + extra;
    this.pos = lengthAt;
    this.uint32(length);
    this.pos = end;
  }

  private varint64(lo: number, hi: number): void {
    this.ensure(10);
    const buf = this.buf;
    let pos = this.pos;
    while (hi !== 0) {
      buf[pos++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    while (lo > 0x7f) {
      buf[pos++] = (lo & 0x7f) | 0x80;
      lo >>>= 7;
    }
    buf[pos++] = lo;
    this.pos = pos;
  }

  private ensure(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    const written = this.pos - this.start;
    const chunk = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, 2 * (written + bytes)));
    this.buf.copy(chunk, 0, this.start, this.pos);
    this.buf = chunk;
    this.start = 0;
    this.pos = written;
  }
}

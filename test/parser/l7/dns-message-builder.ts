import { isIPv4, isIPv6 } from 'node:net';

// Builds DNS messages from typed values, with name compression, so tests read as the
// message they mean instead of as hex.

export interface QuestionSpec {
  name: string;
  type: number;
  class?: number;
}

export interface RecordSpec {
  name: string;
  type: number;
  ttl: number;
  class?: number;
  ip?: string;
  cname?: string;
  raw?: Uint8Array;
}

export interface MessageSpec {
  id: number;
  response?: boolean;
  rcode?: number;
  truncated?: boolean;
  questions: QuestionSpec[];
  answers?: RecordSpec[];
  compress?: boolean;
}

export const TYPE = { A: 1, NS: 2, CNAME: 5, MX: 15, TXT: 16, AAAA: 28, HTTPS: 65 } as const;

export function ipBytes(ip: string): Buffer {
  if (isIPv4(ip)) return Buffer.from(ip.split('.').map(Number));
  if (!isIPv6(ip)) throw new Error(`not an IP: ${ip}`);
  // The URL parser writes all-hex groups, also for an IPv4-mapped address's dotted tail.
  const hex = new URL(`http://[${ip}]`).hostname.slice(1, -1);
  const [head, tail] = hex.includes('::') ? hex.split('::') : [hex, undefined];
  const headGroups = head === '' || head === undefined ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? [] : new Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  const groups = [...headGroups, ...zeros, ...tailGroups];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), 2 * i));
  return out;
}

class Writer {
  private readonly chunks: Buffer[] = [];
  private length = 0;
  private readonly suffixes = new Map<string, number>();

  constructor(private readonly compress: boolean) {}

  get offset(): number {
    return this.length;
  }

  bytes(b: Uint8Array): void {
    const buf = Buffer.from(b);
    this.chunks.push(buf);
    this.length += buf.length;
  }

  u16(v: number): void {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(v);
    this.bytes(b);
  }

  /** A 2-byte field written now and filled in later. */
  reserveU16(): Buffer {
    const b = Buffer.alloc(2);
    this.bytes(b);
    return this.chunks[this.chunks.length - 1]!;
  }

  u32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v);
    this.bytes(b);
  }

  name(name: string): void {
    const labels = name.replace(/\.$/, '').split('.').filter((l) => l !== '');
    for (let i = 0; i < labels.length; i++) {
      const suffix = labels.slice(i).join('.').toLowerCase();
      const at = this.suffixes.get(suffix);
      if (this.compress && at !== undefined) {
        this.u16(0xc000 | at);
        return;
      }
      if (this.offset < 0x4000) this.suffixes.set(suffix, this.offset);
      const label = Buffer.from(labels[i]!, 'latin1');
      this.bytes(Buffer.from([label.length]));
      this.bytes(label);
    }
    this.bytes(Buffer.from([0]));
  }

  build(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

export function buildDnsMessage(spec: MessageSpec): Buffer {
  const w = new Writer(spec.compress ?? true);
  const answers = spec.answers ?? [];
  w.u16(spec.id);
  let flags = spec.response === true ? 0x8180 : 0x0100;
  if (spec.truncated === true) flags |= 0x0200;
  flags |= (spec.rcode ?? 0) & 0x0f;
  w.u16(flags);
  w.u16(spec.questions.length);
  w.u16(answers.length);
  w.u16(0);
  w.u16(0);
  for (const q of spec.questions) {
    w.name(q.name);
    w.u16(q.type);
    w.u16(q.class ?? 1);
  }
  for (const r of answers) {
    w.name(r.name);
    w.u16(r.type);
    w.u16(r.class ?? 1);
    w.u32(r.ttl);
    if (r.ip !== undefined) {
      const ip = ipBytes(r.ip);
      w.u16(ip.length);
      w.bytes(ip);
    } else if (r.cname !== undefined) {
      // The compressed target's length is known only once written.
      const rdlength = w.reserveU16();
      const start = w.offset;
      w.name(r.cname);
      rdlength.writeUInt16BE(w.offset - start);
    } else {
      const raw = r.raw ?? new Uint8Array();
      w.u16(raw.length);
      w.bytes(raw);
    }
  }
  return w.build();
}

export function withTcpLengthPrefix(message: Buffer): Buffer {
  const prefix = Buffer.alloc(2);
  prefix.writeUInt16BE(message.length);
  return Buffer.concat([prefix, message]);
}

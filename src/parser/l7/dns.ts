import { formatIPv4, formatIPv6 } from '../../ip-text.js';

// A DNS message (RFC 1035) from the first bytes of a UDP datagram or of a TCP stream.
// Only the header, the questions and the answer section are read: that is all a flow
// carries. Every read is bounds-checked and compression pointers may only point
// backwards, so no input can make the parser loop, read out of range or throw.

export const DNS_HEADER_BYTES = 12;
const DNS_TCP_LENGTH_PREFIX_BYTES = 2;
const DNS_MAX_NAME_WIRE_BYTES = 255;
// Real queries carry one question; a few more is tolerated, many means "not DNS".
const DNS_MAX_QUESTIONS = 4;
const DNS_MAX_ANSWERS_READ = 64;
const DNS_RECORD_FIXED_BYTES = 10;

const TYPE_A = 1;
const TYPE_CNAME = 5;
const TYPE_AAAA = 28;

export const DNS_REJECT_REASONS = [
  'too_short',
  'bad_tcp_length',
  'no_question',
  'too_many_questions',
  'name_out_of_bounds',
  'bad_label_type',
  'bad_pointer',
  'name_too_long',
  'question_out_of_bounds',
  'answer_out_of_bounds',
  'bad_rdata_length',
] as const;
export type DnsRejectReason = (typeof DNS_REJECT_REASONS)[number];

export interface DnsQuestion {
  name: string;
  type: number;
  class: number;
}

export interface DnsAnswer {
  name: string;
  type: number;
  class: number;
  ttl: number;
  /** Set for A and AAAA records. */
  ip?: string;
  /** Set for CNAME records: the canonical name. */
  cname?: string;
}

export interface DnsMessage {
  id: number;
  isResponse: boolean;
  opcode: number;
  rcode: number;
  /** TC bit: the server truncated its answer. */
  truncated: boolean;
  questions: DnsQuestion[];
  answers: DnsAnswer[];
  /** False when the captured bytes ended inside the answer section. */
  answersComplete: boolean;
}

export type DnsParseResult = { ok: true; message: DnsMessage } | { ok: false; reason: DnsRejectReason };

export interface DnsParseOptions {
  /** The capture kept only the first bytes of a longer message: a short answer section is not an error. */
  captureTruncated?: boolean;
}

type NameRead = { ok: true; name: string; next: number } | { ok: false; reason: DnsRejectReason };

function reject(reason: DnsRejectReason): { ok: false; reason: DnsRejectReason } {
  return { ok: false, reason };
}

function labelText(bytes: Uint8Array, start: number, end: number): string {
  let text = '';
  for (let i = start; i < end; i++) {
    const c = bytes[i]!;
    // Presentation format (RFC 4343): a dot or backslash inside a label, and anything
    // unprintable, is written as \DDD so the name stays one unambiguous string.
    if (c > 0x20 && c < 0x7f && c !== 0x2e && c !== 0x5c) text += String.fromCharCode(c);
    else text += '\\' + c.toString().padStart(3, '0');
  }
  return text;
}

function readName(bytes: Uint8Array, start: number, end: number): NameRead {
  let pos = start;
  let next = -1;
  // Each pointer must target bytes before the segment it was read from: names can only
  // move backwards, which bounds the walk without counting hops.
  let pointerLimit = start;
  let wireBytes = 1;
  let name = '';

  for (;;) {
    if (pos >= end) return reject('name_out_of_bounds');
    const length = bytes[pos]!;
    const kind = length & 0xc0;

    if (kind === 0xc0) {
      if (pos + 1 >= end) return reject('name_out_of_bounds');
      const target = ((length & 0x3f) << 8) | bytes[pos + 1]!;
      if (next === -1) next = pos + 2;
      if (target >= pointerLimit || target < DNS_HEADER_BYTES) return reject('bad_pointer');
      pointerLimit = target;
      pos = target;
      continue;
    }
    if (kind !== 0) return reject('bad_label_type');

    if (length === 0) {
      if (next === -1) next = pos + 1;
      return { ok: true, name: name === '' ? '.' : name, next };
    }
    wireBytes += length + 1;
    if (wireBytes > DNS_MAX_NAME_WIRE_BYTES) return reject('name_too_long');
    if (pos + 1 + length > end) return reject('name_out_of_bounds');
    name += labelText(bytes, pos + 1, pos + 1 + length) + '.';
    pos += 1 + length;
  }
}

function u16(bytes: Uint8Array, at: number): number {
  return (bytes[at]! << 8) | bytes[at + 1]!;
}

function u32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) >>> 0) + ((bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!);
}

/** Parses a DNS message that starts at the first byte (a UDP payload). */
export function parseDns(bytes: Uint8Array, options: DnsParseOptions = {}): DnsParseResult {
  const end = bytes.length;
  if (end < DNS_HEADER_BYTES) return reject('too_short');

  const flags = u16(bytes, 2);
  const questionCount = u16(bytes, 4);
  const answerCount = u16(bytes, 6);
  if (questionCount === 0) return reject('no_question');
  if (questionCount > DNS_MAX_QUESTIONS) return reject('too_many_questions');

  let pos = DNS_HEADER_BYTES;
  const questions: DnsQuestion[] = [];
  for (let i = 0; i < questionCount; i++) {
    const name = readName(bytes, pos, end);
    if (!name.ok) return name.reason === 'name_out_of_bounds' ? reject('question_out_of_bounds') : name;
    pos = name.next;
    if (pos + 4 > end) return reject('question_out_of_bounds');
    questions.push({ name: name.name, type: u16(bytes, pos), class: u16(bytes, pos + 2) });
    pos += 4;
  }

  const answers: DnsAnswer[] = [];
  let answersComplete = true;
  const answersToRead = Math.min(answerCount, DNS_MAX_ANSWERS_READ);
  for (let i = 0; i < answersToRead; i++) {
    const owner = readName(bytes, pos, end);
    if (!owner.ok && owner.reason !== 'name_out_of_bounds') return owner;
    if (!owner.ok || owner.next + DNS_RECORD_FIXED_BYTES > end) {
      if (!options.captureTruncated) return reject('answer_out_of_bounds');
      answersComplete = false;
      break;
    }
    pos = owner.next;
    const type = u16(bytes, pos);
    const answer: DnsAnswer = { name: owner.name, type, class: u16(bytes, pos + 2), ttl: u32(bytes, pos + 4) };
    const dataLength = u16(bytes, pos + 8);
    const dataStart = pos + DNS_RECORD_FIXED_BYTES;
    const dataEnd = dataStart + dataLength;
    if (dataEnd > end) {
      if (!options.captureTruncated) return reject('answer_out_of_bounds');
      answersComplete = false;
      break;
    }

    if (type === TYPE_A) {
      if (dataLength !== 4) return reject('bad_rdata_length');
      answer.ip = formatIPv4(bytes, dataStart);
    } else if (type === TYPE_AAAA) {
      if (dataLength !== 16) return reject('bad_rdata_length');
      answer.ip = formatIPv6(bytes, dataStart);
    } else if (type === TYPE_CNAME) {
      // The target may point back into the message, but must end inside this record.
      const target = readName(bytes, dataStart, dataEnd);
      if (!target.ok) return target.reason === 'name_out_of_bounds' ? reject('bad_rdata_length') : target;
      answer.cname = target.name;
    }
    answers.push(answer);
    pos = dataEnd;
  }
  if (answerCount > answersToRead) answersComplete = false;

  return {
    ok: true,
    message: {
      id: u16(bytes, 0),
      isResponse: (flags & 0x8000) !== 0,
      opcode: (flags >> 11) & 0x0f,
      rcode: flags & 0x000f,
      truncated: (flags & 0x0200) !== 0,
      questions,
      answers,
      answersComplete,
    },
  };
}

/** Parses the first DNS message of a TCP stream segment (RFC 1035 4.2.2: a 2-byte length prefix). */
export function parseDnsOverTcp(bytes: Uint8Array, options: DnsParseOptions = {}): DnsParseResult {
  if (bytes.length < DNS_TCP_LENGTH_PREFIX_BYTES + DNS_HEADER_BYTES) return reject('too_short');
  const messageLength = u16(bytes, 0);
  if (messageLength < DNS_HEADER_BYTES) return reject('bad_tcp_length');
  const available = bytes.length - DNS_TCP_LENGTH_PREFIX_BYTES;
  const cut = available < messageLength;
  const message = bytes.subarray(DNS_TCP_LENGTH_PREFIX_BYTES, DNS_TCP_LENGTH_PREFIX_BYTES + Math.min(messageLength, available));
  return parseDns(message, { captureTruncated: cut || options.captureTruncated === true });
}

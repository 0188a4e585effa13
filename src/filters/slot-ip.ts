import { isIP } from 'node:net';
import { OFFSET_DADDR, OFFSET_FAMILY, OFFSET_SADDR } from '../native/records.js';
import type { FlowFilter } from '../proto/flow.js';
import { badFilter } from './bad-request.js';
import { allSlotChecks, setValues, type SlotCheck, type SlotCheckKind } from './slot-check.js';

// Addresses and CIDR ranges compared on the record's address bytes, with the flow filter's
// (node:net BlockList) semantics: an IPv4 address is the same as its IPv4-mapped IPv6 form
// (::ffff:a.b.c.d), both as a rule and as a flow's address. So every rule is held as an
// IPv6 prefix over four 32-bit words, an IPv4 one as ::ffff:0:0/96 plus its own prefix.

const WORDS = 4;
const RULE_WORDS = 2 * WORDS;
const V4_MAPPED_WORD = 0xffff;

/** The 16 bytes of an IPv6 address in text (a zone index is ignored, as BlockList does). */
function ipv6Bytes(text: string): Uint8Array {
  const zone = text.indexOf('%');
  // The URL parser validates and writes all-hex groups with at most one `::`.
  const hex = new URL(`http://[${zone === -1 ? text : text.slice(0, zone)}]`).hostname.slice(1, -1);
  const [head = '', tail] = hex.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = [...headGroups, ...new Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups];
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    const value = parseInt(group, 16);
    bytes[2 * i] = value >> 8;
    bytes[2 * i + 1] = value & 0xff;
  });
  return bytes;
}

/** The rule for `value` as words: network (masked) at 0-3, mask at 4-7. */
function ruleWords(field: string, value: string): Uint32Array {
  const slash = value.indexOf('/');
  const address = slash === -1 ? value : value.slice(0, slash);
  const version = isIP(address);
  if (version === 0) throw badFilter(field, value, 'an IP address or CIDR range');
  const maxPrefix = version === 4 ? 32 : 128;
  let prefix = maxPrefix;
  if (slash !== -1) {
    const prefixText = value.slice(slash + 1);
    prefix = Number(prefixText);
    if (!/^\d{1,3}$/.test(prefixText) || prefix > maxPrefix) throw badFilter(field, value, `a CIDR prefix length 0-${maxPrefix}`);
  }
  const rule = new Uint32Array(RULE_WORDS);
  if (version === 4) {
    const octets = address.split('.').map(Number);
    rule[2] = V4_MAPPED_WORD;
    rule[3] = ((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) >>> 0;
    prefix += 96;
  } else {
    const bytes = ipv6Bytes(address);
    for (let w = 0; w < WORDS; w++) {
      rule[w] = ((bytes[4 * w]! << 24) | (bytes[4 * w + 1]! << 16) | (bytes[4 * w + 2]! << 8) | bytes[4 * w + 3]!) >>> 0;
    }
  }
  for (let w = 0; w < WORDS; w++) {
    const bits = Math.min(32, Math.max(0, prefix - 32 * w));
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    rule[WORDS + w] = mask;
    rule[w] = (rule[w]! & mask) >>> 0;
  }
  return rule;
}

function wordAt(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

function ipCheck(field: 'source_ip' | 'destination_ip', filter: FlowFilter, offset: number): SlotCheck | undefined {
  const values = setValues(filter[field]);
  if (values === undefined) return undefined;
  const rules = new Uint32Array(values.length * RULE_WORDS);
  values.forEach((value, i) => rules.set(ruleWords(field, value), i * RULE_WORDS));
  return (slot) => {
    const { records, recordAt } = slot;
    const at = recordAt + offset;
    const v4 = records[recordAt + OFFSET_FAMILY] === 4;
    const w0 = v4 ? 0 : wordAt(records, at);
    const w1 = v4 ? 0 : wordAt(records, at + 4);
    const w2 = v4 ? V4_MAPPED_WORD : wordAt(records, at + 8);
    const w3 = v4 ? wordAt(records, at) : wordAt(records, at + 12);
    for (let r = 0; r < rules.length; r += RULE_WORDS) {
      if (
        ((w3 & rules[r + 7]!) >>> 0) === rules[r + 3] &&
        ((w2 & rules[r + 6]!) >>> 0) === rules[r + 2] &&
        ((w1 & rules[r + 5]!) >>> 0) === rules[r + 1] &&
        ((w0 & rules[r + 4]!) >>> 0) === rules[r]
      ) {
        return true;
      }
    }
    return false;
  };
}

export const ipSlotCheck: SlotCheckKind = (filter) =>
  allSlotChecks([ipCheck('source_ip', filter, OFFSET_SADDR), ipCheck('destination_ip', filter, OFFSET_DADDR)]);

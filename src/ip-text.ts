import { isIPv6 } from 'node:net';

// The one text form of an IP address, shared by every stage: flow records, DNS answers and
// Kubernetes addresses are looked up by one another's text, so they must spell an address alike.
// IPv6 follows RFC 5952: lower-case hex without leading zeros, the first longest run of two or
// more zero groups as `::`, and IPv4-mapped addresses ending in dotted decimal.

const IPV6_GROUPS = 8;
const IPV4_MAPPED_MARK = 0xffff;

export function formatIPv4(bytes: Uint8Array, offset: number): string {
  return `${bytes[offset]}.${bytes[offset + 1]}.${bytes[offset + 2]}.${bytes[offset + 3]}`;
}

export function formatIPv6(bytes: Uint8Array, offset: number): string {
  const groups = new Array<number>(IPV6_GROUPS);
  for (let i = 0; i < IPV6_GROUPS; i++) groups[i] = (bytes[offset + 2 * i]! << 8) | bytes[offset + 2 * i + 1]!;
  if (groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0 && groups[5] === IPV4_MAPPED_MARK) {
    return `::ffff:${formatIPv4(bytes, offset + 12)}`;
  }

  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < IPV6_GROUPS; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let end = i;
    while (end < IPV6_GROUPS && groups[end] === 0) end++;
    if (end - i > bestLength) {
      bestStart = i;
      bestLength = end - i;
    }
    i = end;
  }

  const bestEnd = bestStart + bestLength;
  let text = '';
  for (let i = 0; i < IPV6_GROUPS; ) {
    if (i === bestStart) {
      text += '::';
      i = bestEnd;
      continue;
    }
    if (i > 0 && i !== bestEnd) text += ':';
    text += groups[i]!.toString(16);
    i++;
  }
  return text;
}

/** The text formatIPv4/formatIPv6 would print for an address given as text in any valid spelling. */
export function canonicalIp(ip: string): string {
  if (!isIPv6(ip)) return ip;
  // The URL parser validates and writes all-hex groups with at most one `::`.
  const hex = new URL(`http://[${ip}]`).hostname.slice(1, -1);
  const [head = '', tail] = hex.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const bytes = new Uint8Array(2 * IPV6_GROUPS);
  const write = (group: string, index: number): void => {
    const value = parseInt(group, 16);
    bytes[2 * index] = value >> 8;
    bytes[2 * index + 1] = value & 0xff;
  };
  headGroups.forEach((group, i) => write(group, i));
  tailGroups.forEach((group, i) => write(group, IPV6_GROUPS - tailGroups.length + i));
  return formatIPv6(bytes, 0);
}

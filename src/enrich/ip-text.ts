import { isIPv6 } from 'node:net';

/** The RFC 5952 text of an address (what the parser prints), so API and flow addresses compare equal. */
export function canonicalIp(ip: string): string {
  if (!isIPv6(ip)) return ip;
  return new URL(`http://[${ip}]`).hostname.slice(1, -1);
}

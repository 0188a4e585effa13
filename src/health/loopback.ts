import { isIP } from 'node:net';

const V4_MAPPED_PREFIX = '::ffff:';

/** Whether a peer address, as a socket reports it, is loopback: 127.0.0.0/8 (also mapped into IPv6) or ::1. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  if (address === '::1') return true;
  const v4 = address.startsWith(V4_MAPPED_PREFIX) ? address.slice(V4_MAPPED_PREFIX.length) : address;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

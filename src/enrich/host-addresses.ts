import { networkInterfaces } from 'node:os';
import { canonicalIp } from '../ip-text.js';

/** Every address of every interface of this host (loopback included), canonical. */
export function hostAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((entries) => entries ?? [])
    .map((entry) => canonicalIp(entry.address.replace(/%.*$/, '')));
}

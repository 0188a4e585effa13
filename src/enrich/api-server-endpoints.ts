import { isIP } from 'node:net';
import { canonicalIp } from '../ip-text.js';

// Where the API server runs: the addresses of the `kubernetes` Service in `default`, from its
// EndpointSlices, which the API server itself keeps up to date (the Endpoints API is
// deprecated). Cilium gives these addresses the reserved:kube-apiserver label.

export const API_SERVER_NAMESPACE = 'default';
export const API_SERVER_SLICE_SELECTOR = 'kubernetes.io/service-name=kubernetes';

/** An EndpointSlice as a list or watch returns it: the fields read here. */
export interface EndpointSliceObject {
  metadata?: { name?: string; namespace?: string };
  addressType?: string;
  endpoints?: { addresses?: string[] }[];
}

/** The slice's IP addresses, canonical and sorted; undefined for a slice of FQDNs or without a name. */
export function apiServerAddresses(slice: EndpointSliceObject): string[] | undefined {
  if (!slice.metadata?.name) return undefined;
  if (slice.addressType !== 'IPv4' && slice.addressType !== 'IPv6') return undefined;
  const addresses = (slice.endpoints ?? [])
    .flatMap((endpoint) => endpoint.addresses ?? [])
    .filter((address) => isIP(address) !== 0)
    .map(canonicalIp);
  return [...new Set(addresses)].sort();
}

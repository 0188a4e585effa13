import type { DNS, HTTP } from '../../proto/flow.js';
import { dnsRcodeName } from './dns-names.js';
import { highestTlsVersion, tlsVersionName, type TlsClientHello } from './tls-client-hello.js';

// The `Summary` text of L7 flows, in the shapes Hubble prints for its own L7 flows, so
// people reading `hubble observe` see what they are used to.

const NS_PER_MS = 1_000_000;

export function dnsRequestSummary(dns: DNS): string {
  return `DNS Query ${dns.query ?? ''} ${(dns.qtypes ?? []).join(',')}`;
}

export function dnsResponseSummary(dns: DNS): string {
  let answer: string;
  if ((dns.rcode ?? 0) !== 0) {
    answer = `RCode: ${dnsRcodeName(dns.rcode ?? 0)}`;
  } else {
    const parts: string[] = [];
    if ((dns.ips ?? []).length > 0) parts.push(JSON.stringify((dns.ips ?? []).join(',')));
    if ((dns.cnames ?? []).length > 0) parts.push(`CNAMEs: ${JSON.stringify((dns.cnames ?? []).join(','))}`);
    answer = parts.join(' ');
  }
  const source = dns.observation_source === 'proxy' ? 'Proxy' : 'Query';
  return `DNS Answer ${answer} TTL: ${dns.ttl ?? 0} (${source} ${dns.query ?? ''} ${(dns.qtypes ?? []).join(',')})`;
}

export function httpRequestSummary(http: HTTP): string {
  return `${http.protocol ?? ''} ${http.method ?? ''} ${http.url ?? ''}`;
}

export function httpResponseSummary(http: HTTP, latencyNs: number): string {
  const latencyMs = Math.floor(latencyNs / NS_PER_MS);
  return `${http.protocol ?? ''} ${http.code ?? 0} ${latencyMs}ms (${http.method ?? ''} ${http.url ?? ''})`;
}

/** Hubble has no TLS record: the ClientHello is told in the L3/L4 flow's Summary. */
export function tlsClientHelloSummary(hello: TlsClientHello): string {
  const parts = ['TLS ClientHello'];
  if (hello.serverName !== undefined) parts.push(`SNI: ${hello.serverName}`);
  const version = highestTlsVersion(hello);
  if (version !== undefined) parts.push(`version: ${tlsVersionName(version)}`);
  if (hello.alpn.length > 0) parts.push(`ALPN: ${hello.alpn.join(',')}`);
  return parts.join(' ');
}

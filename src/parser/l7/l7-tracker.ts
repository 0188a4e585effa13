import { MONITOR_EVENT_TYPE, type DNS, type Flow, type HTTP, type Layer7 } from '../../proto/flow.js';
import { dnsTypeName } from './dns-names.js';
import { DnsNameCache } from './dns-name-cache.js';
import { parseDns, parseDnsOverTcp, type DnsMessage } from './dns.js';
import { DEFAULT_HTTP_HEADERS, parseHttpHead, type HttpRequestHead, type HttpResponseHead } from './http.js';
import {
  dnsRequestSummary,
  dnsResponseSummary,
  httpRequestSummary,
  httpResponseSummary,
  tlsClientHelloSummary,
} from './l7-summary.js';
import { PendingRequests } from './pending-requests.js';
import { RejectionCounter } from './rejection-counter.js';
import type { L7TableStats } from './table-stats.js';
import { parseTlsClientHello, type TlsClientHello } from './tls-client-hello.js';

// Turns the first bytes of L7 payloads into the L7 part of Hubble flows: parses DNS,
// HTTP/1.x and TLS ClientHellos, pairs requests with responses for latency (DNS by
// transaction, HTTP/1.x by connection in order), learns IP → names from DNS answers to
// queries it saw, and counts what it rejects. Pure: no I/O, time comes from the observations.

export const DEFAULT_DNS_PORTS: readonly number[] = [53];
// Queries and requests waiting for their answer, in all (each table), unless options say otherwise.
export const MAX_PENDING_DNS_QUERIES = 10_000;
export const MAX_PENDING_HTTP_REQUESTS = 10_000;
// A DNS question is pending more than once only when a client resends it unchanged.
export const MAX_PENDING_PER_DNS_QUESTION = 8;
// HTTP/1.x pipelining deeper than this on one connection is not seen in practice.
export const MAX_PENDING_HTTP_REQUESTS_PER_CONNECTION = 64;
export const PENDING_MAX_AGE_MS = 60_000;
const NS_PER_MS = 1_000_000n;
// TLS record content types: change_cipher_spec, alert, handshake, application_data.
const TLS_CONTENT_TYPE_FIRST = 20;
const TLS_CONTENT_TYPE_LAST = 23;
const TLS_CONTENT_TYPE_HANDSHAKE = 22;
const TLS_HANDSHAKE_CLIENT_HELLO = 1;
const HTTP_STATUS_SWITCHING_PROTOCOLS = 101;

/** The first bytes of one datagram, segment or TLS plaintext chunk, oriented sender → receiver. */
export interface L7Payload {
  /** Capture time, ns; any clock, as long as one tracker sees only one. */
  timeNs: bigint;
  protocol: 'TCP' | 'UDP';
  sourceIp: string;
  sourcePort: number;
  destinationIp: string;
  destinationPort: number;
  payload: Uint8Array;
  /** The capture kept only the first bytes of a longer datagram or segment. */
  payloadTruncated: boolean;
  /** Plaintext read or written through a TLS library (the URL scheme is then https). */
  tlsPlaintext: boolean;
  /**
   * Requests pair only with responses of the same scope. TLS plaintext is seen in each process
   * that reads or writes it (client and server alike): scoped by process, each end pairs its own.
   */
  pairingScope?: string;
}

/** The fields of a Flow that the L7 layer decides; the L3/L4 parser fills in the rest. */
export type L7FlowFields = Required<
  Pick<Flow, 'Type' | 'l7' | 'Summary' | 'is_reply' | 'reply' | 'event_type' | 'source_names' | 'destination_names'>
> &
  Pick<Flow, 'trace_context'>;

export type L7Observation =
  | { kind: 'l7'; flow: L7FlowFields }
  | { kind: 'tls_client_hello'; hello: TlsClientHello; summary: string };

export interface L7TrackerOptions {
  /** Shared with the L3/L4 parser, which reads names for its own flows. */
  names: DnsNameCache;
  dnsPorts?: readonly number[];
  /** Lower-case header names carried on HTTP flows. */
  httpHeaders?: ReadonlySet<string>;
  /** Bounds each pending table in place of its default. */
  maxPendingRequests?: number;
  pendingMaxAgeMs?: number;
}

interface HttpPending {
  method: string;
  url: string;
  /** The request's W3C trace id; '' when it had none. */
  traceId: string;
}

// W3C Trace Context: version-traceid-parentid-flags, the trace id 32 lower-case hex digits, not all zero.
const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}/;
const ZERO_TRACE_ID = '0'.repeat(32);

function traceIdOf(request: HttpRequestHead): string {
  const header = request.headers.find((h) => h.key === 'Traceparent');
  const traceId = header === undefined ? undefined : TRACEPARENT.exec(header.value.trim())?.[1];
  return traceId === undefined || traceId === ZERO_TRACE_ID ? '' : traceId;
}

// The same question in a query and its answer: transaction id, then each question's name
// (DNS names compare without regard to case), type and class.
function dnsQuestionKey(message: DnsMessage): string {
  let key = String(message.id);
  for (const q of message.questions) key += ` ${q.name.toLowerCase()} ${q.type} ${q.class}`;
  return key;
}

function connectionKey(scope: string | undefined, clientIp: string, clientPort: number, serverIp: string, serverPort: number): string {
  return `${scope ?? ''} ${clientIp} ${clientPort} ${serverIp} ${serverPort}`;
}

function hostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

function isTlsRecord(bytes: Uint8Array): boolean {
  const type = bytes[0]!;
  return type >= TLS_CONTENT_TYPE_FIRST && type <= TLS_CONTENT_TYPE_LAST && bytes[1] === 3;
}

function latencyNs(requestNs: bigint, responseNs: bigint): number {
  return responseNs > requestNs ? Number(responseNs - requestNs) : 0;
}

export class L7Tracker {
  readonly rejections = new RejectionCounter();
  private readonly names: DnsNameCache;
  private readonly dnsPorts: ReadonlySet<number>;
  private readonly httpHeaders: ReadonlySet<string>;
  private readonly pendingDns: PendingRequests<null>;
  private readonly pendingHttp: PendingRequests<HttpPending>;

  constructor(options: L7TrackerOptions) {
    this.names = options.names;
    this.dnsPorts = new Set(options.dnsPorts ?? DEFAULT_DNS_PORTS);
    this.httpHeaders = options.httpHeaders ?? DEFAULT_HTTP_HEADERS;
    const maxAgeNs = BigInt(options.pendingMaxAgeMs ?? PENDING_MAX_AGE_MS) * NS_PER_MS;
    this.pendingDns = new PendingRequests({
      maxEntries: options.maxPendingRequests ?? MAX_PENDING_DNS_QUERIES,
      maxPerKey: MAX_PENDING_PER_DNS_QUESTION,
      maxAgeNs,
    });
    this.pendingHttp = new PendingRequests({
      maxEntries: options.maxPendingRequests ?? MAX_PENDING_HTTP_REQUESTS,
      maxPerKey: MAX_PENDING_HTTP_REQUESTS_PER_CONNECTION,
      maxAgeNs,
    });
  }

  /** One payload in; an L7 flow part, ClientHello metadata, or nothing (not L7, or rejected and counted). */
  observe(p: L7Payload): L7Observation | undefined {
    if (p.payload.length === 0) return undefined;
    if (this.dnsPorts.has(p.destinationPort) || this.dnsPorts.has(p.sourcePort)) {
      const parsed =
        p.protocol === 'UDP'
          ? parseDns(p.payload, { captureTruncated: p.payloadTruncated })
          : parseDnsOverTcp(p.payload, { captureTruncated: p.payloadTruncated });
      if (!parsed.ok) {
        this.rejections.add('dns', parsed.reason);
        return undefined;
      }
      return { kind: 'l7', flow: this.dnsFlow(p, parsed.message) };
    }
    if (p.protocol !== 'TCP') return undefined;

    if (!p.tlsPlaintext && isTlsRecord(p.payload)) {
      // Encrypted records and other handshake messages are expected traffic, not rejections.
      if (p.payload[0] !== TLS_CONTENT_TYPE_HANDSHAKE) return undefined;
      if (p.payload.length > 5 && p.payload[5] !== TLS_HANDSHAKE_CLIENT_HELLO) return undefined;
      const parsed = parseTlsClientHello(p.payload);
      if (!parsed.ok) {
        this.rejections.add('tls', parsed.reason);
        return undefined;
      }
      return { kind: 'tls_client_hello', hello: parsed.hello, summary: tlsClientHelloSummary(parsed.hello) };
    }

    const parsed = parseHttpHead(p.payload, { headers: this.httpHeaders });
    if (!parsed.ok) {
      this.rejections.add('http', parsed.reason);
      return undefined;
    }
    const message = parsed.message;
    return { kind: 'l7', flow: message.kind === 'request' ? this.httpRequestFlow(p, message) : this.httpResponseFlow(p, message) };
  }

  /** The pending tables: DNS queries keyed by question, HTTP requests keyed by connection. */
  tableStats(): L7TableStats[] {
    return [
      { table: 'dns_pending', entries: this.pendingDns.size, capacity: this.pendingDns.capacity, evictions: { ...this.pendingDns.evictions } },
      { table: 'http_pending', entries: this.pendingHttp.size, capacity: this.pendingHttp.capacity, evictions: { ...this.pendingHttp.evictions } },
    ];
  }

  private dnsFlow(p: L7Payload, message: DnsMessage): L7FlowFields {
    const query = message.questions[0]?.name ?? '';
    const qtypes = message.questions.map((q) => dnsTypeName(q.type));

    if (!message.isResponse) {
      const key = `${p.protocol} ${connectionKey(p.pairingScope, p.sourceIp, p.sourcePort, p.destinationIp, p.destinationPort)} ${dnsQuestionKey(message)}`;
      this.pendingDns.push(key, p.timeNs, null);
      const dns: DNS = { query, observation_source: '', qtypes };
      return this.flowFields(p, { type: 'REQUEST', latency_ns: 0, dns, record: 'dns' }, dnsRequestSummary(dns), false);
    }

    const key = `${p.protocol} ${connectionKey(p.pairingScope, p.destinationIp, p.destinationPort, p.sourceIp, p.sourcePort)} ${dnsQuestionKey(message)}`;
    const request = this.pendingDns.shift(key, p.timeNs);
    // Only an answer to a query seen on the same connection, with the same id and question,
    // teaches names: any other is what anyone can send, and would set the names of chosen IPs.
    const teachesNames = request !== undefined && message.rcode === 0;
    const ips: string[] = [];
    const cnames: string[] = [];
    const rrtypes: string[] = [];
    let ttl: number | undefined;
    for (const answer of message.answers) {
      rrtypes.push(dnsTypeName(answer.type));
      if (answer.ip !== undefined) ips.push(answer.ip);
      if (answer.cname !== undefined) cnames.push(answer.cname);
      if (answer.ip !== undefined || answer.cname !== undefined) ttl = ttl === undefined ? answer.ttl : Math.min(ttl, answer.ttl);
      if (answer.ip !== undefined && teachesNames) this.names.record(answer.ip, query, answer.ttl, p.timeNs);
    }
    const dns: DNS = { query, ips, ttl: ttl ?? 0, cnames, observation_source: '', rcode: message.rcode, qtypes, rrtypes };
    const latency = request === undefined ? 0 : latencyNs(request.timeNs, p.timeNs);
    return this.flowFields(p, { type: 'RESPONSE', latency_ns: latency, dns, record: 'dns' }, dnsResponseSummary(dns), true);
  }

  private httpRequestFlow(p: L7Payload, request: HttpRequestHead): L7FlowFields {
    const url = this.requestUrl(p, request);
    const traceId = traceIdOf(request);
    this.pendingHttp.push(connectionKey(p.pairingScope, p.sourceIp, p.sourcePort, p.destinationIp, p.destinationPort), p.timeNs, {
      method: request.method,
      url,
      traceId,
    });
    const http: HTTP = { code: 0, method: request.method, url, protocol: request.protocol, headers: request.headers };
    return this.withTrace(this.flowFields(p, { type: 'REQUEST', latency_ns: 0, http, record: 'http' }, httpRequestSummary(http), false), traceId);
  }

  private httpResponseFlow(p: L7Payload, response: HttpResponseHead): L7FlowFields {
    const key = connectionKey(p.pairingScope, p.destinationIp, p.destinationPort, p.sourceIp, p.sourcePort);
    // An interim 1xx answer comes before the final one to the same request.
    const interim = response.code < 200 && response.code !== HTTP_STATUS_SWITCHING_PROTOCOLS;
    const request = interim ? this.pendingHttp.peek(key) : this.pendingHttp.shift(key, p.timeNs);
    const latency = request === undefined ? 0 : latencyNs(request.timeNs, p.timeNs);
    const http: HTTP = {
      code: response.code,
      method: request?.value.method ?? '',
      url: request?.value.url ?? '',
      protocol: response.protocol,
      headers: response.headers,
    };
    const fields = this.flowFields(p, { type: 'RESPONSE', latency_ns: latency, http, record: 'http' }, httpResponseSummary(http, latency), true);
    return this.withTrace(fields, request?.value.traceId ?? '');
  }

  /** A response carries its request's trace context, as the request's traceparent header named it. */
  private withTrace(fields: L7FlowFields, traceId: string): L7FlowFields {
    if (traceId !== '') fields.trace_context = { parent: { trace_id: traceId } };
    return fields;
  }

  private requestUrl(p: L7Payload, request: HttpRequestHead): string {
    if (request.target[0] !== '/') return request.target;
    const scheme = p.tlsPlaintext ? 'https' : 'http';
    const authority = request.host !== undefined && request.host !== '' ? request.host : hostPort(p.destinationIp, p.destinationPort);
    return `${scheme}://${authority}${request.target}`;
  }

  private flowFields(p: L7Payload, l7: Layer7, summary: string, isReply: boolean): L7FlowFields {
    return {
      Type: 'L7',
      l7,
      Summary: summary,
      is_reply: { value: isReply },
      reply: isReply,
      event_type: { type: MONITOR_EVENT_TYPE.L7, sub_type: 0 },
      source_names: this.names.namesOf(p.sourceIp, p.timeNs),
      destination_names: this.names.namesOf(p.destinationIp, p.timeNs),
    };
  }
}

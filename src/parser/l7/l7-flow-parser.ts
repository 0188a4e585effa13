import { randomUUID } from 'node:crypto';
import { TLS_WRITE, type NativeRecord } from '../../native/records.js';
import type { Flow, Layer4, TrafficDirection } from '../../proto/flow.js';
import { timestampFromNs } from '../../proto/timestamp.js';
import { IPPROTO_TCP } from '../ip-protocols.js';
import type { DnsNameCache } from './dns-name-cache.js';
import { looksLikeHttp } from './http.js';
import { DEFAULT_DNS_PORTS, L7Tracker, type L7FlowFields } from './l7-tracker.js';
import { l7PayloadOf } from './record-payload.js';
import { RepeatedPackets } from './repeated-packets.js';
import type { RejectionCount } from './rejection-counter.js';
import type { L7TableStats } from './table-stats.js';

// Payload and TLS records -> L7 flows (DNS, HTTP/1.x), beside the L3/L4 flows the flow parser
// makes of the same records. A payload record's L7 flow takes its place (time, interface,
// observation point, direction) from the L3/L4 flow of the same packet; a TLS record has no
// packet: its flow is placed by the connection the plaintext travelled on and by whether the
// process wrote or read it. A TLS ClientHello is no L7 flow (Hubble has no TLS record): its
// SNI, version and ALPN are told in the Summary of the L3/L4 flow of the packet that carried it.

/** Ports whose packets the capture carries the payload start of: DNS, HTTP, and TLS (for the ClientHello). */
export const L7_PAYLOAD_PORTS: readonly number[] = [...DEFAULT_DNS_PORTS, 80, 8080, 443];

export interface L7FlowParserOptions {
  nodeName: string;
  /** Shared with the L3/L4 parser, which reads names for its own flows. */
  names: DnsNameCache;
}

/** The ClientHello summary found at the first sighting of a packet, if it carried one. */
type FirstSighting = string | undefined;

function packetIdentity(record: NativeRecord): string {
  return `${record.protocol} ${record.source} ${record.sourcePort} ${record.destination} ${record.destinationPort} ${record.aux} ${record.payloadTotalBytes ?? 0}`;
}

function portsOf(record: NativeRecord): Layer4 {
  const ports = { source_port: record.sourcePort, destination_port: record.destinationPort };
  return record.protocol === IPPROTO_TCP ? { TCP: ports } : { UDP: ports };
}

/** Hubble's direction is the connection's, seen from the local end: a client's request and its response are egress. */
function tlsTrafficDirection(record: NativeRecord, isReply: boolean): TrafficDirection {
  return (record.aux === TLS_WRITE) !== isReply ? 'EGRESS' : 'INGRESS';
}

function withClientHello(flow: Flow, summary: string): void {
  flow.Summary = flow.Summary === undefined || flow.Summary === '' ? summary : `${flow.Summary}; ${summary}`;
}

export class L7FlowParser {
  private readonly tracker: L7Tracker;
  private readonly repeats = new RepeatedPackets<FirstSighting>();

  constructor(private readonly options: L7FlowParserOptions) {
    this.tracker = new L7Tracker({ names: options.names });
  }

  /** L7 payloads turned away by a parser, by protocol and reason, since start. */
  rejections(): RejectionCount[] {
    return this.tracker.rejections.snapshot();
  }

  /** Every bounded table behind L7 parsing: size, bound and evictions since start. */
  tableStats(): L7TableStats[] {
    return [...this.tracker.tableStats(), this.options.names.tableStats(), this.repeats.tableStats()];
  }

  /**
   * The L7 flow a payload or TLS record carries, if any. `l3l4` is the flow parser's flow of
   * the same record (payload records): it receives the ClientHello summary of a TLS handshake.
   */
  parse(record: NativeRecord, l3l4: Flow | undefined): Flow | undefined {
    const payload = l7PayloadOf(record);
    if (payload === undefined) return undefined;
    if (record.kind === 'tls') {
      // Plaintext chunks after a message head (bodies) are expected, not rejections.
      if (!looksLikeHttp(payload.payload)) return undefined;
      const observation = this.tracker.observe(payload);
      return observation?.kind === 'l7' ? this.tlsFlow(record, observation.flow) : undefined;
    }

    const identity = packetIdentity(record);
    const seen = this.repeats.lookup(identity, record.timeNs);
    if (seen !== undefined) {
      if (seen.value !== undefined && l3l4 !== undefined) withClientHello(l3l4, seen.value);
      return undefined;
    }
    const observation = this.tracker.observe(payload);
    if (observation?.kind === 'tls_client_hello') {
      this.repeats.remember(identity, record.timeNs, observation.summary);
      if (l3l4 !== undefined) withClientHello(l3l4, observation.summary);
      return undefined;
    }
    this.repeats.remember(identity, record.timeNs, undefined);
    return observation?.kind === 'l7' ? this.packetFlow(record, observation.flow, l3l4) : undefined;
  }

  private packetFlow(record: NativeRecord, fields: L7FlowFields, l3l4: Flow | undefined): Flow {
    const flow = this.baseFlow(record, fields);
    flow.traffic_direction = l3l4?.traffic_direction ?? 'TRAFFIC_DIRECTION_UNKNOWN';
    flow.trace_observation_point = l3l4?.trace_observation_point ?? 'UNKNOWN_POINT';
    if (l3l4?.interface !== undefined) flow.interface = { ...l3l4.interface };
    return flow;
  }

  private tlsFlow(record: NativeRecord, fields: L7FlowFields): Flow {
    const flow = this.baseFlow(record, fields);
    flow.traffic_direction = tlsTrafficDirection(record, fields.reply);
    flow.trace_observation_point = 'UNKNOWN_POINT';
    return flow;
  }

  private baseFlow(record: NativeRecord, fields: L7FlowFields): Flow {
    return {
      time: timestampFromNs(record.timeNs),
      uuid: randomUUID(),
      verdict: 'FORWARDED',
      IP: { source: record.source, destination: record.destination, ipVersion: record.family === 4 ? 'IPv4' : 'IPv6' },
      l4: portsOf(record),
      node_name: this.options.nodeName,
      ...fields,
    };
  }
}

import type { Registry } from 'prom-client';
import { isDnsTypeName } from '../parser/l7/dns-names.js';
import { BatchedCounter } from './batched-counter.js';
import { BoundedHistogram } from './bounded-histogram.js';
import { ContextLabels } from './context-options.js';
import { DNS_RCODE_NAMES } from './dns-rcode-names.js';
import type { FlowMetricHandler } from './flow-metric-handler.js';
import type { MeteredFlow } from './metered-flow.js';
import type { SeriesLimit } from './series-limit.js';

// DNS messages come from anyone on the network, so the labels of the message itself take
// their values from closed sets: a type name the parser knows (else "Unknown", as Hubble names
// such types), an rcode name (else ""), a count up to a bound. Real messages carry one
// question (RFC 9619); those with more are labelled "other" instead of joining
// attacker-chosen types. The query label (option `query`) is open, and bounded by the series limit.
export const MAX_QTYPES_IN_LABEL = 1;
export const MAX_IPS_RETURNED_LABEL = 16;
const OTHER = 'other';
const UNKNOWN_TYPE = 'Unknown';
const IPS_RETURNED: readonly string[] = Array.from({ length: MAX_IPS_RETURNED_LABEL + 1 }, (_, n) => String(n));
const TOO_MANY_IPS = `>${MAX_IPS_RETURNED_LABEL}`;
const NANOSECONDS_PER_SECOND = 1e9;

function typeLabel(type: string): string {
  return isDnsTypeName(type) ? type : UNKNOWN_TYPE;
}

function qtypesLabel(qtypes: readonly string[] | undefined): string {
  if (qtypes === undefined || qtypes.length === 0) return '';
  if (qtypes.length > MAX_QTYPES_IN_LABEL) return OTHER;
  return typeLabel(qtypes[0]!);
}

function ipsReturnedLabel(ips: readonly string[] | undefined): string {
  return IPS_RETURNED[ips?.length ?? 0] ?? TOO_MANY_IPS;
}

export interface DnsOptions {
  /** Add the question's name as label `query`. */
  query?: boolean;
  /** Leave out messages whose one question asks for AAAA. */
  ignoreAAAA?: boolean;
}

/**
 * hubble_dns_queries_total and hubble_dns_responses_total{rcode,qtypes,ips_returned}, and
 * hubble_dns_response_types_total{type,qtypes}, after the context labels (and with `query`
 * last when asked). A flow is a response when is_reply is true; a dropped query is counted
 * with rcode "Policy denied", as Hubble does. flowlens adds
 * flowlens_dns_response_duration_seconds{rcode,qtypes}: the time from a query to its answer,
 * for answers whose query was seen (Hubble has no DNS latency metric).
 */
export class DnsHandler implements FlowMetricHandler {
  readonly name = 'dns';
  readonly l7Only = true;
  private queries!: BatchedCounter;
  private responses!: BatchedCounter;
  private responseTypes!: BatchedCounter;
  private duration!: BoundedHistogram;
  private readonly messageValues: string[];
  private readonly typeValues: string[];
  private readonly durationValues: string[];
  private readonly at: number;

  constructor(
    private readonly options: DnsOptions = {},
    private readonly context = new ContextLabels(),
  ) {
    this.at = context.names.length;
    const query = options.query ? 1 : 0;
    this.messageValues = new Array<string>(this.at + 3 + query).fill('');
    this.typeValues = new Array<string>(this.at + 2 + query).fill('');
    this.durationValues = new Array<string>(this.at + 2).fill('');
  }

  init(registry: Registry, limit: SeriesLimit): void {
    const query = this.options.query ? ['query'] : [];
    const labelNames = [...this.context.names, 'rcode', 'qtypes', 'ips_returned', ...query];
    this.queries = new BatchedCounter({ name: 'hubble_dns_queries_total', help: 'Number of DNS queries observed', labelNames, registry, limit });
    this.responses = new BatchedCounter({ name: 'hubble_dns_responses_total', help: 'Number of DNS responses observed', labelNames, registry, limit });
    this.responseTypes = new BatchedCounter({
      name: 'hubble_dns_response_types_total',
      help: 'Number of DNS response records observed, by record type',
      labelNames: [...this.context.names, 'type', 'qtypes', ...query],
      registry,
      limit,
    });
    this.duration = new BoundedHistogram({
      name: 'flowlens_dns_response_duration_seconds',
      help: 'Time from a DNS query to its answer, in seconds',
      labelNames: [...this.context.names, 'rcode', 'qtypes'],
      registry,
      limit,
    });
  }

  processFlow(view: MeteredFlow): void {
    const dns = view.l7()?.dns;
    if (!dns) return;
    if (this.options.ignoreAAAA && dns.qtypes?.length === 1 && dns.qtypes[0] === 'AAAA') return;
    const values = this.messageValues;
    const at = this.at;
    this.context.fill(view, values, 0);
    const qtypes = qtypesLabel(dns.qtypes);
    values[at + 1] = qtypes;
    values[at + 2] = ipsReturnedLabel(dns.ips);
    if (this.options.query) values[at + 3] = dns.query ?? '';
    if (view.verdict === 'DROPPED') {
      values[at] = 'Policy denied';
      this.queries.inc(values);
    } else if (view.isReply !== true) {
      values[at] = '';
      this.queries.inc(values);
    } else {
      values[at] = DNS_RCODE_NAMES[dns.rcode ?? 0] ?? '';
      this.responses.inc(values);
      const types = this.typeValues;
      for (let i = 0; i < at; i++) types[i] = values[i]!;
      types[at + 1] = qtypes;
      if (this.options.query) types[at + 2] = dns.query ?? '';
      for (const type of dns.rrtypes ?? []) {
        types[at] = typeLabel(type);
        this.responseTypes.inc(types);
      }
      const latencyNs = view.l7()?.latency_ns ?? 0;
      if (latencyNs > 0) {
        const durations = this.durationValues;
        for (let i = 0; i <= at + 1; i++) durations[i] = values[i]!;
        this.duration.observe(durations, latencyNs / NANOSECONDS_PER_SECOND);
      }
    }
  }
}

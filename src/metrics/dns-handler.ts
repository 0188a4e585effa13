import type { Registry } from 'prom-client';
import { isDnsTypeName } from '../parser/l7/dns-names.js';
import type { Flow } from '../proto/flow.js';
import { BatchedCounter } from './batched-counter.js';
import { DNS_RCODE_NAMES } from './dns-rcode-names.js';
import type { FlowMetricHandler } from './flow-metric-handler.js';

// DNS messages come from anyone on the network, so every label takes its value from a closed
// set: a type name the parser knows (else "Unknown", as Hubble names such types), an rcode
// name (else ""), a count up to a bound. Real messages carry one question (RFC 9619); those
// with more are labelled "other" instead of joining attacker-chosen types. So there are at
// most 2 x 28 x 18 query series (rcode, qtypes, ips_returned), 21 x 28 x 18 response series
// and 26 x 28 response type series (type, qtypes).
export const MAX_QTYPES_IN_LABEL = 1;
export const MAX_IPS_RETURNED_LABEL = 16;
const OTHER = 'other';
const UNKNOWN_TYPE = 'Unknown';

function typeLabel(type: string): string {
  return isDnsTypeName(type) ? type : UNKNOWN_TYPE;
}

function qtypesLabel(qtypes: readonly string[] | undefined): string {
  if (qtypes === undefined || qtypes.length === 0) return '';
  if (qtypes.length > MAX_QTYPES_IN_LABEL) return OTHER;
  return qtypes.map(typeLabel).join(',');
}

function ipsReturnedLabel(ips: readonly string[] | undefined): string {
  const count = ips?.length ?? 0;
  return count > MAX_IPS_RETURNED_LABEL ? `>${MAX_IPS_RETURNED_LABEL}` : String(count);
}

type DnsCounter = BatchedCounter<[rcode: string, qtypes: string, ips_returned: string]>;

/**
 * hubble_dns_queries_total and hubble_dns_responses_total{rcode,qtypes,ips_returned}, and
 * hubble_dns_response_types_total{type,qtypes}. A flow is a response when is_reply is true;
 * a dropped query is counted with rcode "Policy denied", as Hubble does.
 */
export class DnsHandler implements FlowMetricHandler {
  readonly name = 'dns';
  private queries!: DnsCounter;
  private responses!: DnsCounter;
  private responseTypes!: BatchedCounter<[type: string, qtypes: string]>;

  init(registry: Registry): void {
    const labelNames = ['rcode', 'qtypes', 'ips_returned'] as const;
    this.queries = new BatchedCounter({ name: 'hubble_dns_queries_total', help: 'Number of DNS queries observed', labelNames, registry });
    this.responses = new BatchedCounter({ name: 'hubble_dns_responses_total', help: 'Number of DNS responses observed', labelNames, registry });
    this.responseTypes = new BatchedCounter({
      name: 'hubble_dns_response_types_total',
      help: 'Number of DNS response records observed, by record type',
      labelNames: ['type', 'qtypes'],
      registry,
    });
  }

  processFlow(flow: Flow): void {
    const dns = flow.l7?.dns;
    if (!dns) return;
    const qtypes = qtypesLabel(dns.qtypes);
    const ipsReturned = ipsReturnedLabel(dns.ips);
    if (flow.verdict === 'DROPPED') {
      this.queries.inc('Policy denied', qtypes, ipsReturned);
    } else if (flow.is_reply?.value !== true) {
      this.queries.inc('', qtypes, ipsReturned);
    } else {
      this.responses.inc(DNS_RCODE_NAMES[dns.rcode ?? 0] ?? '', qtypes, ipsReturned);
      for (const type of dns.rrtypes ?? []) this.responseTypes.inc(typeLabel(type), qtypes);
    }
  }
}

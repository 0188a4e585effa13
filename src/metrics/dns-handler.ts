import type { Registry } from 'prom-client';
import type { Flow } from '../proto/flow.js';
import { BatchedCounter } from './batched-counter.js';
import { DNS_RCODE_NAMES } from './dns-rcode-names.js';
import type { FlowMetricHandler } from './flow-metric-handler.js';

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
    const qtypes = (dns.qtypes ?? []).join(',');
    const ipsReturned = String(dns.ips?.length ?? 0);
    if (flow.verdict === 'DROPPED') {
      this.queries.inc('Policy denied', qtypes, ipsReturned);
    } else if (flow.is_reply?.value !== true) {
      this.queries.inc('', qtypes, ipsReturned);
    } else {
      this.responses.inc(DNS_RCODE_NAMES[dns.rcode ?? 0] ?? '', qtypes, ipsReturned);
      for (const type of dns.rrtypes ?? []) this.responseTypes.inc(type, qtypes);
    }
  }
}

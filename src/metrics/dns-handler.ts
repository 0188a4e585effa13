import { Counter, type Registry } from 'prom-client';
import type { Flow } from '../proto/flow.js';
import { DNS_RCODE_NAMES } from './dns-rcode-names.js';
import type { FlowMetricHandler } from './flow-metric-handler.js';

type DnsLabel = 'rcode' | 'qtypes' | 'ips_returned';

/**
 * hubble_dns_queries_total and hubble_dns_responses_total{rcode,qtypes,ips_returned}, and
 * hubble_dns_response_types_total{type,qtypes}. A flow is a response when is_reply is true;
 * a dropped query is counted with rcode "Policy denied", as Hubble does.
 */
export class DnsHandler implements FlowMetricHandler {
  readonly name = 'dns';
  private queries!: Counter<DnsLabel>;
  private responses!: Counter<DnsLabel>;
  private responseTypes!: Counter<'type' | 'qtypes'>;

  init(registry: Registry): void {
    const labelNames: DnsLabel[] = ['rcode', 'qtypes', 'ips_returned'];
    this.queries = new Counter({ name: 'hubble_dns_queries_total', help: 'Number of DNS queries observed', labelNames, registers: [registry] });
    this.responses = new Counter({ name: 'hubble_dns_responses_total', help: 'Number of DNS responses observed', labelNames, registers: [registry] });
    this.responseTypes = new Counter({
      name: 'hubble_dns_response_types_total',
      help: 'Number of DNS response records observed, by record type',
      labelNames: ['type', 'qtypes'],
      registers: [registry],
    });
  }

  processFlow(flow: Flow): void {
    const dns = flow.l7?.dns;
    if (!dns) return;
    const qtypes = (dns.qtypes ?? []).join(',');
    const ipsReturned = String(dns.ips?.length ?? 0);
    if (flow.verdict === 'DROPPED') {
      this.queries.inc({ rcode: 'Policy denied', qtypes, ips_returned: ipsReturned });
    } else if (flow.is_reply?.value !== true) {
      this.queries.inc({ rcode: '', qtypes, ips_returned: ipsReturned });
    } else {
      this.responses.inc({ rcode: DNS_RCODE_NAMES[dns.rcode ?? 0] ?? '', qtypes, ips_returned: ipsReturned });
      for (const type of dns.rrtypes ?? []) this.responseTypes.inc({ type, qtypes });
    }
  }
}

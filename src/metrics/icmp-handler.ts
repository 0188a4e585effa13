import type { Registry } from 'prom-client';
import { BatchedCounter } from './batched-counter.js';
import { ContextLabels } from './context-options.js';
import type { FlowMetricHandler } from './flow-metric-handler.js';
import { icmpTypeName } from './icmp-type-names.js';
import type { MeteredFlow } from './metered-flow.js';
import type { SeriesLimit } from './series-limit.js';

/**
 * hubble_icmp_total{family,type} and the context labels, for every ICMP flow. `family` is
 * IPv4 or IPv6 (upstream labels ICMPv6 messages IPv4 too, which looks like a slip).
 */
export class IcmpHandler implements FlowMetricHandler {
  readonly name = 'icmp';
  readonly l7Only = false;
  private icmp!: BatchedCounter;
  private readonly values: string[];

  constructor(private readonly context = new ContextLabels()) {
    this.values = new Array<string>(2 + context.names.length).fill('');
  }

  init(registry: Registry, limit: SeriesLimit): void {
    this.icmp = new BatchedCounter({
      name: 'hubble_icmp_total',
      help: 'Number of ICMP messages',
      labelNames: ['family', 'type', ...this.context.names],
      registry,
      limit,
    });
  }

  processFlow(view: MeteredFlow): void {
    const protocol = view.l4Protocol;
    if (protocol !== 'ICMPv4' && protocol !== 'ICMPv6') return;
    const values = this.values;
    values[0] = protocol === 'ICMPv4' ? 'IPv4' : 'IPv6';
    values[1] = icmpTypeName(protocol, view.icmpType, view.icmpCode);
    this.context.fill(view, values, 2);
    this.icmp.inc(values);
  }
}

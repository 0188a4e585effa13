import type { Registry } from 'prom-client';
import { BatchedCounter } from './batched-counter.js';
import { ContextLabels } from './context-options.js';
import type { FlowMetricHandler } from './flow-metric-handler.js';
import type { MeteredFlow } from './metered-flow.js';
import { portText } from './port-text.js';
import type { SeriesLimit } from './series-limit.js';

/**
 * hubble_port_distribution_total{protocol,port} and the context labels: forwarded flows that
 * are known not to be replies, by destination port (0 for ICMP). A flow that may be a reply
 * is left out, so ephemeral client ports do not fill the metric.
 */
export class PortDistributionHandler implements FlowMetricHandler {
  readonly name = 'port-distribution';
  readonly l7Only = false;
  private ports!: BatchedCounter;
  private readonly values: string[];

  constructor(private readonly context = new ContextLabels()) {
    this.values = new Array<string>(2 + context.names.length).fill('');
  }

  init(registry: Registry, limit: SeriesLimit): void {
    this.ports = new BatchedCounter({
      name: 'hubble_port_distribution_total',
      help: 'Numbers of packets distributed by destination port',
      labelNames: ['protocol', 'port', ...this.context.names],
      registry,
      limit,
    });
  }

  processFlow(view: MeteredFlow): void {
    if (view.verdict !== 'FORWARDED' && view.verdict !== 'REDIRECTED') return;
    const protocol = view.l4Protocol;
    if (protocol === undefined || view.isReply !== false) return;
    const values = this.values;
    values[0] = protocol;
    values[1] = protocol === 'ICMPv4' || protocol === 'ICMPv6' ? '0' : portText(view.destinationPort);
    this.context.fill(view, values, 2);
    this.ports.inc(values);
  }
}

import type { Registry } from 'prom-client';
import { BatchedCounter } from './batched-counter.js';
import { ContextLabels } from './context-options.js';
import type { FlowMetricHandler } from './flow-metric-handler.js';
import { TCP_FLAG, type MeteredFlow } from './metered-flow.js';
import type { SeriesLimit } from './series-limit.js';

/** hubble_tcp_flags_total{flag,family} and the context labels: FIN, SYN, SYN-ACK and RST of forwarded TCP flows. */
export class TcpFlagsHandler implements FlowMetricHandler {
  readonly name = 'tcp';
  readonly l7Only = false;
  private tcpFlags!: BatchedCounter;
  private readonly values: string[];

  constructor(private readonly context = new ContextLabels()) {
    this.values = new Array<string>(2 + context.names.length).fill('');
  }

  init(registry: Registry, limit: SeriesLimit): void {
    this.tcpFlags = new BatchedCounter({
      name: 'hubble_tcp_flags_total',
      help: 'TCP flag occurrences',
      labelNames: ['flag', 'family', ...this.context.names],
      registry,
      limit,
    });
  }

  processFlow(view: MeteredFlow): void {
    if (view.verdict !== 'FORWARDED' && view.verdict !== 'REDIRECTED') return;
    const flags = view.tcpFlags;
    if (view.l4Protocol !== 'TCP' || view.ipVersion === 'IP_NOT_USED') return;
    if ((flags & (TCP_FLAG.FIN | TCP_FLAG.SYN | TCP_FLAG.RST)) === 0) return;
    const values = this.values;
    values[1] = view.ipVersion;
    this.context.fill(view, values, 2);
    if (flags & TCP_FLAG.FIN) this.count('FIN');
    if (flags & TCP_FLAG.SYN) this.count(flags & TCP_FLAG.ACK ? 'SYN-ACK' : 'SYN');
    if (flags & TCP_FLAG.RST) this.count('RST');
  }

  private count(flag: string): void {
    this.values[0] = flag;
    this.tcpFlags.inc(this.values);
  }
}

import type { Registry } from 'prom-client';
import type { Flow } from '../proto/flow.js';
import { BatchedCounter } from './batched-counter.js';
import type { FlowMetricHandler } from './flow-metric-handler.js';

/** hubble_tcp_flags_total{flag,family}: FIN, SYN, SYN-ACK and RST of forwarded TCP flows. */
export class TcpFlagsHandler implements FlowMetricHandler {
  readonly name = 'tcp';
  private tcpFlags!: BatchedCounter<[flag: string, family: string]>;

  init(registry: Registry): void {
    this.tcpFlags = new BatchedCounter({
      name: 'hubble_tcp_flags_total',
      help: 'TCP flag occurrences',
      labelNames: ['flag', 'family'],
      registry,
    });
  }

  processFlow(flow: Flow): void {
    if (flow.verdict !== 'FORWARDED' && flow.verdict !== 'REDIRECTED') return;
    const flags = flow.l4?.TCP?.flags;
    if (!flow.IP || !flags) return;
    const family = flow.IP.ipVersion ?? 'IP_NOT_USED';
    if (flags.FIN) this.tcpFlags.inc('FIN', family);
    if (flags.SYN) this.tcpFlags.inc(flags.ACK ? 'SYN-ACK' : 'SYN', family);
    if (flags.RST) this.tcpFlags.inc('RST', family);
  }
}

import { Counter, type Registry } from 'prom-client';
import type { LostStage } from '../native/records.js';
import { LOST_EVENT_SOURCES, type LostEventSource } from '../proto/flow.js';

/**
 * hubble_lost_events_total{source}: events lost before a client saw them, by where they were
 * lost; flowlens_lost_records_total{stage}: capture records lost, by the stage that lost them.
 */
export class LostEventsMetric {
  private readonly lost: Counter<'source'>;
  private readonly lostRecords: Counter<'stage'>;

  constructor(registry: Registry) {
    this.lost = new Counter({
      name: 'hubble_lost_events_total',
      help: 'Number of lost events',
      labelNames: ['source'],
      registers: [registry],
    });
    // Every source from the start, at 0: a rate over the metric reads 0, not nothing, until a loss.
    for (const source of LOST_EVENT_SOURCES) if (source !== 'UNKNOWN_LOST_EVENT_SOURCE') this.lost.inc({ source: source.toLowerCase() }, 0);
    this.lostRecords = new Counter({
      name: 'flowlens_lost_records_total',
      help: 'Capture records lost on the way from the kernel, by stage (kernel_ring, packet_ring, queue)',
      labelNames: ['stage'],
      registers: [registry],
    });
  }

  /** Source label as the Hubble agent writes it: the LostEventSource name in lower case. */
  add(source: LostEventSource, count: number): void {
    if (count > 0) this.lost.inc({ source: source.toLowerCase() }, count);
  }

  addRecords(stage: LostStage, count: number): void {
    if (count > 0) this.lostRecords.inc({ stage }, count);
  }
}

import { Counter, type Registry } from 'prom-client';
import { LOST_EVENT_SOURCES, type LostEventSource } from '../proto/flow.js';

/** hubble_lost_events_total{source}: events lost before a client saw them, by where they were lost. */
export class LostEventsMetric {
  private readonly lost: Counter<'source'>;

  constructor(registry: Registry) {
    this.lost = new Counter({
      name: 'hubble_lost_events_total',
      help: 'Number of lost events',
      labelNames: ['source'],
      registers: [registry],
    });
    // Every source from the start, at 0: a rate over the metric reads 0, not nothing, until a loss.
    for (const source of LOST_EVENT_SOURCES) if (source !== 'UNKNOWN_LOST_EVENT_SOURCE') this.lost.inc({ source: source.toLowerCase() }, 0);
  }

  /** Source label as the Hubble agent writes it: the LostEventSource name in lower case. */
  add(source: LostEventSource, count: number): void {
    if (count > 0) this.lost.inc({ source: source.toLowerCase() }, count);
  }
}

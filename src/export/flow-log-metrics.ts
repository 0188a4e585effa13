import { Counter, Gauge, type Registry } from 'prom-client';

// What flow logs report: lines written and lost per log, and, under Cilium's names, the
// state of the dynamic flow logs.

export type LineOutcome = 'written' | 'dropped' | 'failed';

export interface FlowLogState {
  name: string;
  active: boolean;
  queuedBytes: number;
}

export class FlowLogMetrics {
  private readonly lines: Counter<'log' | 'outcome'>;
  private readonly missed: Counter<'log'>;
  private readonly rotations: Counter<'log'>;
  private readonly reconfigurations: Counter<'op'>;
  private readonly configHash: Gauge;
  private readonly configLastApplied: Gauge;
  private readonly sources = new Set<() => FlowLogState[]>();

  constructor(registry: Registry) {
    const registers = [registry];
    this.lines = new Counter({
      name: 'flowlens_flowlog_lines_total',
      help: 'Flow-log lines by outcome: written, dropped (the write queue was full: the disk is slower than the flows) or failed (the write failed, e.g. a full disk)',
      labelNames: ['log', 'outcome'],
      registers,
    });
    this.missed = new Counter({
      name: 'flowlens_flowlog_missed_events_total',
      help: 'Events a flow log never saw because the flow buffer overtook it',
      labelNames: ['log'],
      registers,
    });
    this.rotations = new Counter({ name: 'flowlens_flowlog_rotations_total', help: 'Flow-log file rotations', labelNames: ['log'], registers });
    const states = (): FlowLogState[] => [...this.sources].flatMap((source) => source());
    new Gauge({
      name: 'flowlens_flowlog_queue_bytes',
      help: 'Flow-log text waiting to be written',
      labelNames: ['log'],
      registers,
      collect() {
        this.reset();
        for (const state of states()) this.set({ log: state.name }, state.queuedBytes);
      },
    });
    new Gauge({
      name: 'hubble_dynamic_exporter_up',
      help: 'Status of individual exporters',
      labelNames: ['name'],
      registers,
      collect() {
        this.reset();
        for (const state of states()) this.set({ name: state.name }, state.active ? 1 : 0);
      },
    });
    new Gauge({
      name: 'hubble_dynamic_exporter_exporters',
      help: 'Number of configured exporters',
      labelNames: ['status'],
      registers,
      collect() {
        const all = states();
        const active = all.filter((s) => s.active).length;
        this.set({ status: 'active' }, active);
        this.set({ status: 'inactive' }, all.length - active);
      },
    });
    this.reconfigurations = new Counter({
      name: 'hubble_dynamic_exporter_reconfigurations_total',
      help: 'Number of dynamic exporters reconfigurations',
      labelNames: ['op'],
      registers,
    });
    this.configHash = new Gauge({ name: 'hubble_dynamic_exporter_config_hash', help: 'Hash of last applied config', registers });
    this.configLastApplied = new Gauge({ name: 'hubble_dynamic_exporter_config_last_applied', help: 'Timestamp of last applied config', registers });
  }

  countLines(log: string, outcome: LineOutcome, count: number): void {
    if (count > 0) this.lines.inc({ log, outcome }, count);
  }

  countMissed(log: string, count: number): void {
    if (count > 0) this.missed.inc({ log }, count);
  }

  countRotations(log: string, count: number): void {
    if (count > 0) this.rotations.inc({ log }, count);
  }

  /** `op`: add, update, remove, or failure (the file could not be read or is invalid), as Cilium counts them. */
  countReconfiguration(op: 'add' | 'update' | 'remove' | 'failure'): void {
    this.reconfigurations.inc({ op });
  }

  configApplied(hash: number): void {
    this.configHash.set(hash);
    this.configLastApplied.set(Date.now() / 1000);
  }

  /** A source of flow-log states, read at every scrape; the returned function removes it. */
  watch(source: () => FlowLogState[]): () => void {
    this.sources.add(source);
    return () => this.sources.delete(source);
  }
}

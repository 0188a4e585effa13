import type { Logger } from 'pino';

type ThrottledLevel = 'debug' | 'info' | 'warn' | 'error';

interface Occurrence {
  level: ThrottledLevel;
  msg: string;
  fields: Record<string, unknown>;
  lastLoggedAt: number;
  suppressed: number;
  timer: NodeJS.Timeout | null;
}

/**
 * Logging for things that fail repeatedly: the first occurrence of a message is logged at
 * once, later ones at most once per interval, each line carrying `suppressed` (how many
 * occurrences since the previous line were not logged). Messages are keyed by level and
 * text, so keep variable detail in the fields. Suppressed occurrences are reported at the
 * end of their interval even when the failure stops; stop() reports what is pending.
 */
export class ThrottledLogger {
  private readonly occurrences = new Map<string, Occurrence>();

  constructor(
    private readonly log: Logger,
    private readonly intervalMs: number,
  ) {}

  debug(fields: Record<string, unknown>, msg: string): void {
    this.occur('debug', fields, msg);
  }

  info(fields: Record<string, unknown>, msg: string): void {
    this.occur('info', fields, msg);
  }

  warn(fields: Record<string, unknown>, msg: string): void {
    this.occur('warn', fields, msg);
  }

  error(fields: Record<string, unknown>, msg: string): void {
    this.occur('error', fields, msg);
  }

  /** Logs every pending suppressed count and cancels the timers. */
  stop(): void {
    for (const occurrence of this.occurrences.values()) {
      if (occurrence.timer) clearTimeout(occurrence.timer);
      occurrence.timer = null;
      if (occurrence.suppressed > 0) this.emit(occurrence, Date.now());
    }
    this.occurrences.clear();
  }

  private occur(level: ThrottledLevel, fields: Record<string, unknown>, msg: string): void {
    const key = `${level}\u0000${msg}`;
    const now = Date.now();
    const occurrence = this.occurrences.get(key);
    if (!occurrence) {
      const first: Occurrence = { level, msg, fields, lastLoggedAt: now, suppressed: 0, timer: null };
      this.occurrences.set(key, first);
      this.emit(first, now);
      return;
    }
    occurrence.fields = fields;
    if (now - occurrence.lastLoggedAt >= this.intervalMs) {
      if (occurrence.timer) clearTimeout(occurrence.timer);
      occurrence.timer = null;
      this.emit(occurrence, now);
      return;
    }
    occurrence.suppressed += 1;
    if (!occurrence.timer) {
      const dueInMs = Math.max(0, occurrence.lastLoggedAt + this.intervalMs - now);
      occurrence.timer = setTimeout(() => {
        occurrence.timer = null;
        this.emit(occurrence, Date.now());
      }, dueInMs);
      occurrence.timer.unref();
    }
  }

  private emit(occurrence: Occurrence, now: number): void {
    this.log[occurrence.level]({ ...occurrence.fields, suppressed: occurrence.suppressed }, occurrence.msg);
    occurrence.suppressed = 0;
    occurrence.lastLoggedAt = now;
  }
}

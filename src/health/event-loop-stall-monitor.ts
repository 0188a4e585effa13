import { performance } from 'node:perf_hooks';

const SAMPLE_INTERVAL_MS = 100;

export interface EventLoopStallOptions {
  /** A stall longer than this makes the process unhealthy. */
  maxStallMs: number;
  /** How long a stall that has ended is still reported (a probe is often answered just after it). */
  memoryMs: number;
}

/**
 * Watches the event loop with a periodic timer: when the timer fires late, the loop was
 * blocked for that long. A server on the same loop cannot answer while it is blocked, so a
 * stall is reported both while it can be seen (a request served in the same loop turn
 * that ended it) and for a while after it ended.
 */
export class EventLoopStallMonitor {
  private timer: NodeJS.Timeout | null = null;
  private lastTickAt = performance.now();
  private lastStall: { durationMs: number; endedAt: number } | null = null;

  constructor(private readonly options: EventLoopStallOptions) {}

  start(): void {
    if (this.timer) return;
    this.lastTickAt = performance.now();
    this.timer = setInterval(() => this.tick(), SAMPLE_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** null when the loop is responsive, else what the stall was. */
  check(): string | null {
    const now = performance.now();
    const ongoingMs = now - this.lastTickAt - SAMPLE_INTERVAL_MS;
    if (ongoingMs > this.options.maxStallMs) {
      return `event loop blocked for ${Math.round(ongoingMs)} ms (limit ${this.options.maxStallMs} ms)`;
    }
    const stall = this.lastStall;
    if (stall && now - stall.endedAt <= this.options.memoryMs) {
      const agoMs = Math.round(now - stall.endedAt);
      return `event loop was blocked for ${Math.round(stall.durationMs)} ms until ${agoMs} ms ago (limit ${this.options.maxStallMs} ms)`;
    }
    return null;
  }

  private tick(): void {
    const now = performance.now();
    const stallMs = now - this.lastTickAt - SAMPLE_INTERVAL_MS;
    this.lastTickAt = now;
    if (stallMs > this.options.maxStallMs) this.lastStall = { durationMs: stallMs, endedAt: now };
  }
}

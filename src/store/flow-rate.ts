const WINDOW_SECONDS = 60;
const MS_PER_SECOND = 1000;

/**
 * Counts flows in one-second buckets over a sliding minute: `rate()` is flows per second
 * over the last WINDOW_SECONDS complete and current seconds (what ServerStatus reports).
 */
export class FlowRateMeter {
  private readonly counts = new Array<number>(WINDOW_SECONDS).fill(0);
  private readonly bucketSecond = new Array<number>(WINDOW_SECONDS).fill(-1);
  private readonly now: () => number;

  constructor(options: { now?: () => number } = {}) {
    this.now = options.now ?? Date.now;
  }

  record(count = 1): void {
    const second = Math.floor(this.now() / MS_PER_SECOND);
    const index = second % WINDOW_SECONDS;
    if (this.bucketSecond[index] !== second) {
      this.bucketSecond[index] = second;
      this.counts[index] = 0;
    }
    this.counts[index] = (this.counts[index] ?? 0) + count;
  }

  rate(): number {
    const current = Math.floor(this.now() / MS_PER_SECOND);
    let total = 0;
    for (let i = 0; i < WINDOW_SECONDS; i += 1) {
      const second = this.bucketSecond[i] ?? -1;
      if (second > current - WINDOW_SECONDS && second <= current) total += this.counts[i] ?? 0;
    }
    return total / WINDOW_SECONDS;
  }
}

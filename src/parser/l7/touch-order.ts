// Keys in least-recently-touched order, for LRU and age eviction. A Map's insertion order
// would do the same, but V8 keeps each deleted Map entry as a hole until the table is
// rebuilt, so taking the first entry of a Map used as a queue scans every hole before it:
// under steady churn that made each eviction cost thousands of steps.
//
// Every touch is queued; a touch is current while its owner says the key was last touched
// at that time. Stale touches are dropped when they reach the head, and the queue is
// compacted when stale ones pile up behind a current head.

interface Touch {
  key: string;
  timeNs: bigint;
}

const MIN_COMPACTION_TOUCHES = 1024;

export class TouchOrder {
  private touches: Touch[] = [];
  private head = 0;
  private compactedLength = 0;

  /** `isCurrent(key, timeNs)`: whether the key is still held and was last touched at timeNs. */
  constructor(private readonly isCurrent: (key: string, timeNs: bigint) => boolean) {}

  touch(key: string, timeNs: bigint): void {
    const last = this.touches[this.touches.length - 1];
    if (last !== undefined && last.key === key && last.timeNs === timeNs) return;
    this.touches.push({ key, timeNs });
    const queued = this.touches.length - this.head;
    if (queued > 2 * this.compactedLength + MIN_COMPACTION_TOUCHES || (this.head > MIN_COMPACTION_TOUCHES && this.head > queued)) this.compact();
  }

  /** The least recently touched key that is still current, and when it was touched. */
  oldest(): Touch | undefined {
    while (this.head < this.touches.length) {
      const touch = this.touches[this.head]!;
      if (this.isCurrent(touch.key, touch.timeNs)) return touch;
      this.head++;
    }
    this.touches = [];
    this.head = 0;
    return undefined;
  }

  private compact(): void {
    const current: Touch[] = [];
    for (let i = this.head; i < this.touches.length; i++) {
      const touch = this.touches[i]!;
      if (this.isCurrent(touch.key, touch.timeNs)) current.push(touch);
    }
    this.touches = current;
    this.head = 0;
    this.compactedLength = current.length;
  }
}

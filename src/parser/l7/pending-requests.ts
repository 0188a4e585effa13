import { noEvictions, type TableEvictions } from './table-stats.js';
import { TouchOrder } from './touch-order.js';

// Requests waiting for their response, queued per key (a DNS transaction or an HTTP/1.x
// connection) in arrival order. Bounded in total size, per key and in age: what is
// pushed out is counted, never silently lost.

export interface PendingRequestsOptions {
  maxEntries: number;
  maxPerKey: number;
  maxAgeNs: bigint;
}

interface Pending<T> {
  timeNs: bigint;
  value: T;
}

interface Queue<T> {
  items: Pending<T>[];
  lastNs: bigint;
}

export class PendingRequests<T> {
  private readonly options: PendingRequestsOptions;
  private readonly queues = new Map<string, Queue<T>>();
  // Keys least recently pushed to first: what age and capacity evict.
  private readonly order = new TouchOrder((key, timeNs) => this.queues.get(key)?.lastNs === timeNs);
  private entries = 0;
  private newestNs = 0n;
  readonly evictions: TableEvictions = noEvictions();

  constructor(options: PendingRequestsOptions) {
    this.options = options;
  }

  get size(): number {
    return this.entries;
  }

  get capacity(): number {
    return this.options.maxEntries;
  }

  push(key: string, timeNs: bigint, value: T): void {
    this.advance(timeNs);
    let queue = this.queues.get(key);
    if (queue === undefined) {
      queue = { items: [], lastNs: timeNs };
      this.queues.set(key, queue);
    }
    queue.lastNs = timeNs;
    this.order.touch(key, timeNs);
    queue.items.push({ timeNs, value });
    this.entries++;
    if (queue.items.length > this.options.maxPerKey) {
      queue.items.shift();
      this.entries--;
      this.evictions.keyCapacity++;
    }
    while (this.entries > this.options.maxEntries) this.evictOldest();
  }

  /** Removes and returns the oldest pending request under `key`. */
  shift(key: string, timeNs: bigint): { timeNs: bigint; value: T } | undefined {
    this.advance(timeNs);
    const queue = this.queues.get(key);
    if (queue === undefined) return undefined;
    const first = queue.items.shift();
    if (first === undefined) return undefined;
    this.entries--;
    if (queue.items.length === 0) this.queues.delete(key);
    return first;
  }

  /** The oldest pending request under `key`, left in place. */
  peek(key: string): { timeNs: bigint; value: T } | undefined {
    return this.queues.get(key)?.items[0];
  }

  private advance(timeNs: bigint): void {
    if (timeNs > this.newestNs) this.newestNs = timeNs;
    const cutoff = this.newestNs - this.options.maxAgeNs;
    for (let oldest = this.order.oldest(); oldest !== undefined && oldest.timeNs < cutoff; oldest = this.order.oldest()) {
      const queue = this.queues.get(oldest.key)!;
      this.queues.delete(oldest.key);
      this.entries -= queue.items.length;
      this.evictions.age += queue.items.length;
    }
  }

  private evictOldest(): void {
    const oldest = this.order.oldest();
    if (oldest === undefined) return;
    const queue = this.queues.get(oldest.key)!;
    queue.items.shift();
    this.entries--;
    this.evictions.capacity++;
    if (queue.items.length === 0) this.queues.delete(oldest.key);
  }
}

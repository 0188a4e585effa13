import { FlowlensError } from '../errors.js';
import type { Flow, LostEvent, Timestamp } from '../proto/flow.js';
import { encodeFlow } from '../proto/flow-encoder.js';

/** What the ring holds, in arrival order: a flow, or a report of events lost before the ring. */
export type RingEvent = { flow: Flow } | { lost_events: LostEvent; time?: Timestamp };

/** The outcome of reading one sequence number. */
export type RingRead =
  | { kind: 'event'; event: RingEvent }
  /** The slot was overwritten: `missed` events are gone; continue at `resumeAt` (the oldest held). */
  | { kind: 'overtaken'; missed: number; resumeAt: number }
  /** Nothing has been written at this sequence number yet. */
  | { kind: 'pending' };

export type PushListener = () => void;

/**
 * A fixed-capacity ring of events addressed by sequence number (0 for the first event ever
 * pushed). Readers keep their own position; a reader whose position was overwritten learns how
 * many events it missed instead of reading newer data in their place. Listeners are told
 * synchronously after every push, so followers never poll.
 *
 * Each slot also caches the protobuf encoding of its flow, made by the first reader that asks
 * and shared by every later one; it goes with the slot when the slot is overwritten, so the
 * cache holds at most one encoding per held flow.
 */
export class FlowRing {
  readonly capacity: number;
  private readonly slots: (RingEvent | undefined)[];
  private readonly encoded: (Buffer | undefined)[];
  private written = 0;
  private readonly listeners = new Set<PushListener>();

  constructor(options: { capacity: number }) {
    if (!Number.isSafeInteger(options.capacity) || options.capacity < 1) {
      throw new FlowlensError('FL_CONFIG_INVALID', `ring capacity must be a positive integer, got ${options.capacity}`);
    }
    this.capacity = options.capacity;
    this.slots = new Array<RingEvent | undefined>(options.capacity);
    this.encoded = new Array<Buffer | undefined>(options.capacity);
  }

  /** Total events ever pushed; also the sequence number the next push gets. */
  get nextSequence(): number {
    return this.written;
  }

  /** Sequence number of the oldest event still held (equals nextSequence when empty). */
  get oldestSequence(): number {
    return Math.max(0, this.written - this.capacity);
  }

  /** Number of events currently held. */
  get size(): number {
    return this.written - this.oldestSequence;
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  push(event: RingEvent): void {
    const index = this.written % this.capacity;
    this.slots[index] = event;
    this.encoded[index] = undefined;
    this.written += 1;
    for (const listener of [...this.listeners]) listener();
  }

  read(sequence: number): RingRead {
    if (sequence >= this.written) return { kind: 'pending' };
    const oldest = this.oldestSequence;
    if (sequence < oldest) return { kind: 'overtaken', missed: oldest - sequence, resumeAt: oldest };
    return { kind: 'event', event: this.slots[sequence % this.capacity] as RingEvent };
  }

  /**
   * The flow.Flow encoding of `flow`, the flow held at `sequence` (as read()), encoded on the
   * first call and cached with the slot. A sequence no longer (or not yet) held is encoded
   * without caching.
   */
  flowBytes(sequence: number, flow: Flow): Buffer {
    if (sequence < this.oldestSequence || sequence >= this.written) return encodeFlow(flow);
    const index = sequence % this.capacity;
    return (this.encoded[index] ??= encodeFlow(flow));
  }

  /** Calls `listener` after every push until the returned function is called. */
  onPush(listener: PushListener): () => void {
    // A wrapper makes each registration distinct, so one caller's removal never drops another's.
    const registration: PushListener = () => listener();
    this.listeners.add(registration);
    return () => {
      this.listeners.delete(registration);
    };
  }
}

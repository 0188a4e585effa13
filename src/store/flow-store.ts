import type { Flow, LostEvent, Timestamp } from '../proto/flow.js';
import { FlowRateMeter } from './flow-rate.js';
import { FlowRing, type PushListener, type RingRead } from './ring.js';

export const DEFAULT_BUFFER_CAPACITY = 4095;

/** What readers of the store (the observer) depend on. */
export interface FlowStoreReader {
  readonly capacity: number;
  /** Events ever pushed (flows and lost-event reports). */
  readonly seen: number;
  /** Events currently held. */
  readonly size: number;
  readonly oldestSequence: number;
  readonly nextSequence: number;
  read(sequence: number): RingRead;
  /**
   * The protobuf (flow.Flow) encoding of the flow read at `sequence`: encoded once per held
   * flow and shared by every reader, dropped when the flow's slot is overwritten.
   */
  flowBytes(sequence: number, flow: Flow): Buffer;
  onPush(listener: PushListener): () => void;
  /** Flows per second over the last minute. */
  flowsRate(): number;
}

/** The agent's flow buffer: the ring plus the counters ServerStatus reports. */
export class FlowStore implements FlowStoreReader {
  private readonly ring: FlowRing;
  private readonly rate: FlowRateMeter;

  constructor(options: { capacity?: number; now?: () => number } = {}) {
    this.ring = new FlowRing({ capacity: options.capacity ?? DEFAULT_BUFFER_CAPACITY });
    this.rate = new FlowRateMeter(options.now === undefined ? {} : { now: options.now });
  }

  get capacity(): number {
    return this.ring.capacity;
  }

  get seen(): number {
    return this.ring.nextSequence;
  }

  get size(): number {
    return this.ring.size;
  }

  get oldestSequence(): number {
    return this.ring.oldestSequence;
  }

  get nextSequence(): number {
    return this.ring.nextSequence;
  }

  /** Number of registered push listeners (open follow streams). */
  get listenerCount(): number {
    return this.ring.listenerCount;
  }

  pushFlow(flow: Flow): void {
    this.rate.record();
    this.ring.push({ flow });
  }

  pushLostEvent(lost: LostEvent, time?: Timestamp): void {
    this.ring.push(time === undefined ? { lost_events: lost } : { lost_events: lost, time });
  }

  read(sequence: number): RingRead {
    return this.ring.read(sequence);
  }

  flowBytes(sequence: number, flow: Flow): Buffer {
    return this.ring.flowBytes(sequence, flow);
  }

  onPush(listener: PushListener): () => void {
    return this.ring.onPush(listener);
  }

  flowsRate(): number {
    return this.rate.rate();
  }
}

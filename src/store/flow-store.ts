import type { CapturedInterface } from '../capture/source.js';
import { FlowlensError } from '../errors.js';
import { RECORD_BYTES } from '../native/records.js';
import type { Endpoint, Flow, LostEvent, Timestamp } from '../proto/flow.js';
import { encodeFlow } from '../proto/flow-encoder.js';
import { flowOfResponse, flowResponseBytes } from '../proto/get-flows-response.js';
import { FlowRateMeter } from './flow-rate.js';

export const DEFAULT_BUFFER_CAPACITY = 4095;

// The agent's flow buffer: a fixed number of slots addressed by sequence number (0 for the
// first event ever pushed). An L3/L4 flow is held as the native record's bytes, copied
// verbatim into one preallocated buffer, plus what ingest learned about it (is_reply, the
// interface, both endpoints and their DNS names, as shared references: the enrichment index
// as it was at capture). Its `Flow` is built only when a reader asks for it. L7 flows and
// lost-event reports are rarer and are held as objects. Each slot also caches the protobuf
// encoding of its flow, made for the first reader that asks and shared by every later one: for
// an L3/L4 record, the whole GetFlowsResponse (written from the record without building its
// Flow), for any other flow its flow.Flow message. A reader whose position was overwritten
// learns how many events it missed instead of reading newer data in their place.

/** What ingest learned about an L3/L4 record, stored beside its bytes. */
export interface SlotFacts {
  isReply: boolean;
  iface: CapturedInterface | undefined;
  source: Endpoint | undefined;
  destination: Endpoint | undefined;
  sourceNames: readonly string[] | undefined;
  destinationNames: readonly string[] | undefined;
}

/** A held L3/L4 flow as the builder reads it: the slot's record bytes start at `recordAt`. */
export interface RecordSlot extends Readonly<SlotFacts> {
  readonly sequence: number;
  /** Replaces the Summary derived from the record (an L7 parser added to it). */
  readonly summary: string | undefined;
  readonly records: Buffer;
  readonly recordAt: number;
}

/** Builds the Hubble flow of a held L3/L4 record. */
export type SlotFlowBuilder = (slot: RecordSlot) => Flow;

/**
 * The GetFlowsResponse bytes carrying the flow SlotFlowBuilder builds from the same slot, with
 * that flow's node_name and time.
 */
export type SlotResponseWriter = (slot: RecordSlot) => Buffer;

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

/** What readers of the store (the observer, flow logs) depend on. */
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
  /**
   * The GetFlowsResponse carrying the flow of the held L3/L4 record at `sequence` (node_name
   * the flow's, time the record's): written once and shared by every reader, dropped when the
   * slot is overwritten. Undefined when `sequence` holds no such record.
   */
  recordResponse(sequence: number): Buffer | undefined;
  /** The held L3/L4 record at `sequence` (for filters on its bytes); undefined for any other slot. */
  heldRecord(sequence: number): RecordSlot | undefined;
  /** Called after every published push until the returned function is called. */
  onPush(listener: PushListener): () => void;
  /** Flows per second over the last minute. */
  flowsRate(): number;
}

const SLOT_RECORD = 1;
const SLOT_OBJECT = 2;
const RECORD_WORDS = RECORD_BYTES / 4;

export class FlowStore implements FlowStoreReader {
  readonly capacity: number;
  private written = 0;
  private readonly kinds: Uint8Array;
  private readonly records: Buffer;
  private readonly recordWords: Int32Array;
  // The 32-bit view of the last buffer records were copied from (the capture reuses one):
  // 22 word copies cost a fraction of a Buffer.copy call, which validates its arguments natively.
  private wordsSource: Buffer | undefined;
  private sourceWords: Int32Array | undefined;
  private readonly replies: Uint8Array;
  private readonly ifaces: (CapturedInterface | undefined)[];
  private readonly sources: (Endpoint | undefined)[];
  private readonly destinations: (Endpoint | undefined)[];
  private readonly sourceNames: (readonly string[] | undefined)[];
  private readonly destinationNames: (readonly string[] | undefined)[];
  private readonly summaries: (string | undefined)[];
  private readonly objects: (RingEvent | undefined)[];
  private readonly encoded: (Buffer | undefined)[];
  private readonly listeners = new Set<PushListener>();
  private readonly rate: FlowRateMeter;
  private build: SlotFlowBuilder | undefined;
  private respond: SlotResponseWriter | undefined;

  constructor(options: { capacity?: number; now?: () => number; build?: SlotFlowBuilder; respond?: SlotResponseWriter } = {}) {
    const capacity = options.capacity ?? DEFAULT_BUFFER_CAPACITY;
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new FlowlensError('FL_CONFIG_INVALID', `flow store capacity must be a positive integer, got ${capacity}`);
    }
    this.capacity = capacity;
    this.kinds = new Uint8Array(capacity);
    this.records = Buffer.alloc(capacity * RECORD_BYTES);
    this.recordWords = new Int32Array(this.records.buffer, this.records.byteOffset, this.records.length / 4);
    this.replies = new Uint8Array(capacity);
    this.ifaces = new Array<CapturedInterface | undefined>(capacity).fill(undefined);
    this.sources = new Array<Endpoint | undefined>(capacity).fill(undefined);
    this.destinations = new Array<Endpoint | undefined>(capacity).fill(undefined);
    this.sourceNames = new Array<readonly string[] | undefined>(capacity).fill(undefined);
    this.destinationNames = new Array<readonly string[] | undefined>(capacity).fill(undefined);
    this.summaries = new Array<string | undefined>(capacity).fill(undefined);
    this.objects = new Array<RingEvent | undefined>(capacity).fill(undefined);
    this.encoded = new Array<Buffer | undefined>(capacity).fill(undefined);
    this.rate = new FlowRateMeter(options.now === undefined ? {} : { now: options.now });
    this.build = options.build;
    this.respond = options.respond;
  }

  /**
   * The builder of L3/L4 flows and the writer of their responses (set once the parser stage
   * that owns them exists). Without a writer, a record's response is framed around its built flow.
   */
  setBuilder(build: SlotFlowBuilder, respond?: SlotResponseWriter): void {
    this.build = build;
    this.respond = respond;
  }

  get seen(): number {
    return this.written;
  }

  get nextSequence(): number {
    return this.written;
  }

  /** Sequence number of the oldest event still held (equals nextSequence when empty). */
  get oldestSequence(): number {
    return Math.max(0, this.written - this.capacity);
  }

  get size(): number {
    return this.written - this.oldestSequence;
  }

  /** Number of registered push listeners (open follow streams). */
  get listenerCount(): number {
    return this.listeners.size;
  }

  /**
   * Holds the L3/L4 record at `source[at, at + RECORD_BYTES)` with what ingest learned of it.
   * Followers are told at the next publish(), once per batch.
   */
  pushRecord(source: Buffer, at: number, facts: SlotFacts): number {
    const sequence = this.written;
    const index = sequence % this.capacity;
    const words = (at & 3) === 0 && at + RECORD_BYTES <= source.length ? this.wordsOf(source) : undefined;
    if (words === undefined) {
      source.copy(this.records, index * RECORD_BYTES, at, at + RECORD_BYTES);
    } else {
      const recordWords = this.recordWords;
      const from = at >> 2;
      const to = index * RECORD_WORDS;
      for (let i = 0; i < RECORD_WORDS; i++) recordWords[to + i] = words[from + i]!;
    }
    this.kinds[index] = SLOT_RECORD;
    this.replies[index] = facts.isReply ? 1 : 0;
    this.ifaces[index] = facts.iface;
    this.sources[index] = facts.source;
    this.destinations[index] = facts.destination;
    this.sourceNames[index] = facts.sourceNames;
    this.destinationNames[index] = facts.destinationNames;
    this.summaries[index] = undefined;
    this.objects[index] = undefined;
    this.encoded[index] = undefined;
    this.written = sequence + 1;
    return sequence;
  }

  /** Holds a flow built elsewhere (L7 flows); followers are told at the next publish(). */
  holdFlow(flow: Flow): number {
    return this.holdObject({ flow });
  }

  /** Holds a report of events lost before the store; followers are told at the next publish(). */
  holdLostEvent(lost: LostEvent, time?: Timestamp): number {
    return this.holdObject(time === undefined ? { lost_events: lost } : { lost_events: lost, time });
  }

  /** Replaces the Summary of the held record at `sequence` (a TLS ClientHello seen in its payload). */
  setSummary(sequence: number, summary: string): void {
    if (sequence < this.oldestSequence || sequence >= this.written) return;
    const index = sequence % this.capacity;
    this.summaries[index] = summary;
    this.encoded[index] = undefined;
  }

  /** Tells followers that events were pushed; `flows` of them count towards the flow rate. */
  publish(flows: number): void {
    if (flows > 0) this.rate.record(flows);
    for (const listener of this.listeners) listener();
  }

  pushFlow(flow: Flow): void {
    this.holdFlow(flow);
    this.publish(1);
  }

  pushLostEvent(lost: LostEvent, time?: Timestamp): void {
    this.holdLostEvent(lost, time);
    this.publish(0);
  }

  read(sequence: number): RingRead {
    if (sequence >= this.written) return { kind: 'pending' };
    const oldest = this.oldestSequence;
    if (sequence < oldest) return { kind: 'overtaken', missed: oldest - sequence, resumeAt: oldest };
    const index = sequence % this.capacity;
    if (this.kinds[index] === SLOT_OBJECT) return { kind: 'event', event: this.objects[index] as RingEvent };
    return { kind: 'event', event: { flow: this.flowAt(sequence, index) } };
  }

  flowBytes(sequence: number, flow: Flow): Buffer {
    if (sequence < this.oldestSequence || sequence >= this.written) return encodeFlow(flow);
    const index = sequence % this.capacity;
    if (this.kinds[index] === SLOT_RECORD) return flowOfResponse(this.responseAt(sequence, index));
    return (this.encoded[index] ??= encodeFlow(flow));
  }

  recordResponse(sequence: number): Buffer | undefined {
    if (sequence < this.oldestSequence || sequence >= this.written) return undefined;
    const index = sequence % this.capacity;
    return this.kinds[index] === SLOT_RECORD ? this.responseAt(sequence, index) : undefined;
  }

  heldRecord(sequence: number): RecordSlot | undefined {
    if (sequence < this.oldestSequence || sequence >= this.written) return undefined;
    return this.kinds[sequence % this.capacity] === SLOT_RECORD ? this.recordSlot(sequence) : undefined;
  }

  /** The held L3/L4 record at `sequence` (which must be held and be a record) as the builder reads it. */
  recordSlot(sequence: number): RecordSlot {
    const index = sequence % this.capacity;
    return {
      sequence,
      records: this.records,
      recordAt: index * RECORD_BYTES,
      isReply: this.replies[index] === 1,
      iface: this.ifaces[index],
      source: this.sources[index],
      destination: this.destinations[index],
      sourceNames: this.sourceNames[index],
      destinationNames: this.destinationNames[index],
      summary: this.summaries[index],
    };
  }

  onPush(listener: PushListener): () => void {
    // A wrapper makes each registration distinct, so one caller's removal never drops another's.
    const registration: PushListener = () => listener();
    this.listeners.add(registration);
    return () => {
      this.listeners.delete(registration);
    };
  }

  flowsRate(): number {
    return this.rate.rate();
  }

  /** A 32-bit view of `source`, or undefined when its bytes do not start on a 4-byte boundary. */
  private wordsOf(source: Buffer): Int32Array | undefined {
    if (source !== this.wordsSource) {
      this.wordsSource = source;
      this.sourceWords = source.byteOffset % 4 === 0 ? new Int32Array(source.buffer, source.byteOffset, source.length >> 2) : undefined;
    }
    return this.sourceWords;
  }

  private holdObject(event: RingEvent): number {
    const sequence = this.written;
    const index = sequence % this.capacity;
    this.kinds[index] = SLOT_OBJECT;
    this.objects[index] = event;
    this.ifaces[index] = undefined;
    this.sources[index] = undefined;
    this.destinations[index] = undefined;
    this.sourceNames[index] = undefined;
    this.destinationNames[index] = undefined;
    this.summaries[index] = undefined;
    this.encoded[index] = undefined;
    this.written = sequence + 1;
    return sequence;
  }

  private responseAt(sequence: number, index: number): Buffer {
    let response = this.encoded[index];
    if (response === undefined) {
      if (this.respond !== undefined) {
        response = this.respond(this.recordSlot(sequence));
      } else {
        const flow = this.flowAt(sequence, index);
        response = flowResponseBytes(encodeFlow(flow), flow.node_name ?? '', flow.time ?? {});
      }
      this.encoded[index] = response;
    }
    return response;
  }

  private flowAt(sequence: number, index: number): Flow {
    if (this.build === undefined || this.kinds[index] !== SLOT_RECORD) {
      throw new Error(`flow store slot ${sequence} holds no record or has no builder`);
    }
    return this.build(this.recordSlot(sequence));
  }
}

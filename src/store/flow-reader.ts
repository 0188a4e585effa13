import { recordTimestamp } from '../parser/record-fields.js';
import type { Flow, LostEvent, Timestamp } from '../proto/flow.js';
import { compareTimestamps, timestampFromMs } from '../proto/timestamp.js';
import type { FlowStoreReader, RecordSlot } from './flow-store.js';

/** What a GetFlows-style request asks of the buffer. */
export interface FlowReadRequest {
  /** How many flows; 0 means all held. When following: how many held flows precede the new ones. */
  number: number;
  /** Oldest first instead of the newest `number`. */
  first: boolean;
  follow: boolean;
  since?: Timestamp;
  until?: Timestamp;
  /** The request's whitelist/blacklist. */
  matches: (flow: Flow) => boolean;
  /**
   * The same filters on a held record's bytes: false when its flow certainly does not match, so
   * it is skipped without being built; true when `matches` must decide on the built flow.
   */
  prefilter?: (slot: RecordSlot) => boolean;
  /**
   * True when `prefilter` (all pass when absent) gives the filters' own answer on every held
   * record: the records are selected on their bytes alone, and nextServed() hands out those
   * selected as their sequence numbers, their flows never built.
   */
  prefilterDecides?: boolean;
  /** Whether lost-event reports stored in the buffer are passed on (no whitelist given). */
  passStoredLostEvents: boolean;
}

/** A flow carries its store sequence number, the key of its shared encoding (FlowStoreReader.flowBytes). */
export type ReaderItem = { flow: Flow; sequence: number } | { lost_events: LostEvent; time: Timestamp };

/** `wait`: nothing to read now, a push will bring more (follow only). `done`: the read is complete. */
export type ReaderStep = ReaderItem | 'wait' | 'done';

/** A held L3/L4 record handed out unbuilt, by sequence number (its response: FlowStoreReader.recordResponse). */
export type HeldRecordItem = { heldRecord: number };
export type ServedItem = ReaderItem | HeldRecordItem;
export type ServedStep = ServedItem | 'wait' | 'done';

/** Where a flow's time falls against the request's since/until. */
type TimeWindow = 'before' | 'inside' | 'after';

const PASS_ALL = (): boolean => true;

/**
 * Walks the buffer for one request from the position the request implies, handing out the
 * flows it selects. If the buffer overtakes it, it hands out one HUBBLE_RING_BUFFER lost-event
 * report with the number of events missed, and carries on from the oldest event held.
 */
export class FlowReader {
  private position: number;
  private sent = 0;
  private readonly end: number | undefined;
  /** The prefilter when its answer is final on held records (request.prefilterDecides). */
  private readonly decides: ((slot: RecordSlot) => boolean) | undefined;

  constructor(
    private readonly store: FlowStoreReader,
    private readonly request: FlowReadRequest,
    private readonly now: () => number = Date.now,
  ) {
    this.decides = request.prefilterDecides === true ? (request.prefilter ?? PASS_ALL) : undefined;
    this.position = this.startSequence();
    this.end = request.follow ? undefined : store.nextSequence;
  }

  /** The next flow, report or end; every flow handed out is built. */
  next(): ReaderStep {
    return this.advance(false);
  }

  /** As next(), but a held record the prefilter decides is handed out unbuilt (request.prefilterDecides). */
  nextServed(): ServedStep {
    return this.advance(true);
  }

  private advance(unbuilt: false): ReaderStep;
  private advance(unbuilt: true): ServedStep;
  private advance(unbuilt: boolean): ServedStep {
    const { request } = this;
    for (;;) {
      // When following, `number` only sizes the backlog (see startSequence).
      if (!request.follow && request.number > 0 && this.sent >= request.number) return 'done';
      if (this.end !== undefined && this.position >= this.end) return 'done';
      const sequence = this.position;
      const held = unbuilt && this.decides !== undefined ? this.store.heldRecord(sequence) : undefined;
      if (held !== undefined) {
        this.position += 1;
        const window = this.timeWindow(recordTimestamp(held.records, held.recordAt));
        // A follower ends at the first flow past `until`; a one-off read only skips it.
        if (window === 'after' && request.follow) return 'done';
        if (window !== 'inside' || !this.decides!(held)) continue;
        this.sent += 1;
        return { heldRecord: sequence };
      }
      if (this.skipsUnbuilt(sequence)) {
        this.position += 1;
        continue;
      }
      const read = this.store.read(sequence);
      if (read.kind === 'pending') return request.follow ? 'wait' : 'done';
      if (read.kind === 'overtaken') {
        this.position = read.resumeAt;
        return {
          lost_events: { source: 'HUBBLE_RING_BUFFER', num_events_lost: read.missed },
          time: timestampFromMs(this.now()),
        };
      }
      this.position += 1;
      const { event } = read;
      if ('lost_events' in event) {
        if (!request.passStoredLostEvents) continue;
        return { lost_events: event.lost_events, time: event.time ?? timestampFromMs(this.now()) };
      }
      const { flow } = event;
      const window = this.timeWindow(flow.time ?? {});
      if (window === 'after' && request.follow) return 'done';
      if (window !== 'inside' || !request.matches(flow)) continue;
      this.sent += 1;
      return { flow, sequence };
    }
  }

  private timeWindow(time: Timestamp): TimeWindow {
    const { since, until } = this.request;
    if (since !== undefined && compareTimestamps(time, since) < 0) return 'before';
    if (until !== undefined && compareTimestamps(time, until) > 0) return 'after';
    return 'inside';
  }

  /** True when the record held at `sequence` certainly fails the filters: it is not built. */
  private skipsUnbuilt(sequence: number): boolean {
    const { prefilter, follow, until } = this.request;
    // A follower with `until` ends at the first flow past it, matching or not: it reads them all.
    if (prefilter === undefined || (follow && until !== undefined)) return false;
    const slot = this.store.heldRecord(sequence);
    return slot !== undefined && !prefilter(slot);
  }

  /** Whether the event at `sequence` is a flow this request selects, ignoring `since` (walking back from the newest). */
  private selectsBefore(sequence: number): boolean {
    const { store, request, decides } = this;
    const held = decides === undefined ? undefined : store.heldRecord(sequence);
    if (held !== undefined) {
      if (request.until !== undefined && compareTimestamps(recordTimestamp(held.records, held.recordAt), request.until) > 0) return false;
      return decides!(held);
    }
    if (this.skipsUnbuilt(sequence)) return false;
    const read = store.read(sequence);
    if (read.kind !== 'event' || !('flow' in read.event)) return false;
    const { flow } = read.event;
    if (request.until !== undefined && compareTimestamps(flow.time ?? {}, request.until) > 0) return false;
    return request.matches(flow);
  }

  private startSequence(): number {
    const { store, request } = this;
    if (request.first || request.since !== undefined) return store.oldestSequence;
    if (request.number === 0) return request.follow ? store.nextSequence : store.oldestSequence;
    // The newest `number` selected flows: walk back from the newest until that many are found.
    let found = 0;
    for (let seq = store.nextSequence - 1; seq >= store.oldestSequence; seq -= 1) {
      if (!this.selectsBefore(seq)) continue;
      found += 1;
      if (found === request.number) return seq;
    }
    return store.oldestSequence;
  }
}

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
  /** Whether lost-event reports stored in the buffer are passed on (no whitelist given). */
  passStoredLostEvents: boolean;
}

/** A flow carries its store sequence number, the key of its shared encoding (FlowStoreReader.flowBytes). */
export type ReaderItem = { flow: Flow; sequence: number } | { lost_events: LostEvent; time: Timestamp };

/** `wait`: nothing to read now, a push will bring more (follow only). `done`: the read is complete. */
export type ReaderStep = ReaderItem | 'wait' | 'done';

/**
 * Walks the buffer for one request from the position the request implies, handing out the
 * flows it selects. If the buffer overtakes it, it hands out one HUBBLE_RING_BUFFER lost-event
 * report with the number of events missed, and carries on from the oldest event held.
 */
export class FlowReader {
  private position: number;
  private sent = 0;
  private readonly end: number | undefined;

  constructor(
    private readonly store: FlowStoreReader,
    private readonly request: FlowReadRequest,
    private readonly now: () => number = Date.now,
  ) {
    this.position = this.startSequence();
    this.end = request.follow ? undefined : store.nextSequence;
  }

  next(): ReaderStep {
    const { request } = this;
    for (;;) {
      // When following, `number` only sizes the backlog (see startSequence).
      if (!request.follow && request.number > 0 && this.sent >= request.number) return 'done';
      if (this.end !== undefined && this.position >= this.end) return 'done';
      if (this.skipsUnbuilt(this.position)) {
        this.position += 1;
        continue;
      }
      const read = this.store.read(this.position);
      if (read.kind === 'pending') return request.follow ? 'wait' : 'done';
      if (read.kind === 'overtaken') {
        this.position = read.resumeAt;
        return {
          lost_events: { source: 'HUBBLE_RING_BUFFER', num_events_lost: read.missed },
          time: timestampFromMs(this.now()),
        };
      }
      const sequence = this.position;
      this.position += 1;
      const { event } = read;
      if ('lost_events' in event) {
        if (!request.passStoredLostEvents) continue;
        return { lost_events: event.lost_events, time: event.time ?? timestampFromMs(this.now()) };
      }
      const { flow } = event;
      const time = flow.time ?? {};
      if (request.since !== undefined && compareTimestamps(time, request.since) < 0) continue;
      if (request.until !== undefined && compareTimestamps(time, request.until) > 0) {
        // A follower ends at the first flow past `until`; a one-off read only skips it.
        if (request.follow) return 'done';
        continue;
      }
      if (!request.matches(flow)) continue;
      this.sent += 1;
      return { flow, sequence };
    }
  }

  /** True when the record held at `sequence` certainly fails the filters: it is not built. */
  private skipsUnbuilt(sequence: number): boolean {
    const { prefilter, follow, until } = this.request;
    // A follower with `until` ends at the first flow past it, matching or not: it reads them all.
    if (prefilter === undefined || (follow && until !== undefined)) return false;
    const slot = this.store.heldRecord(sequence);
    return slot !== undefined && !prefilter(slot);
  }

  private startSequence(): number {
    const { store, request } = this;
    if (request.first || request.since !== undefined) return store.oldestSequence;
    if (request.number === 0) return request.follow ? store.nextSequence : store.oldestSequence;
    // The newest `number` selected flows: walk back from the newest until that many are found.
    let found = 0;
    for (let seq = store.nextSequence - 1; seq >= store.oldestSequence; seq -= 1) {
      if (this.skipsUnbuilt(seq)) continue;
      const read = store.read(seq);
      if (read.kind !== 'event' || !('flow' in read.event)) continue;
      const { flow } = read.event;
      if (request.until !== undefined && compareTimestamps(flow.time ?? {}, request.until) > 0) continue;
      if (!request.matches(flow)) continue;
      found += 1;
      if (found === request.number) return seq;
    }
    return store.oldestSequence;
  }
}

import { setTimeout as delay } from 'node:timers/promises';
import type { NativeSession, SessionConfig } from '../../src/native/binding.js';
import { decodeRecords, type NativeRecord } from '../../src/native/records.js';

const EMPTY_PAUSE_MS = 5;
const BUFFER_BYTES = 1 << 20;
const WAIT_STEP_MS = 50;

export const TEST_SESSION: SessionConfig = {
  mode: 'tracer',
  aggregate: true,
  reportIntervalMs: 300,
  flowTableSize: 4096,
  ringBytes: 4 << 20,
  skipPorts: [],
  payloadPorts: [],
  captureDrops: false,
};

/** Takes a session's records continuously (as the agent does) and keeps every one. */
export class RecordCollector {
  readonly records: NativeRecord[] = [];
  malformedBytes = 0;
  #running = true;
  readonly #loop: Promise<void>;

  constructor(private readonly session: NativeSession) {
    this.#loop = this.#run();
  }

  async #run(): Promise<void> {
    const buffer = Buffer.alloc(BUFFER_BYTES);
    while (this.#running) {
      const length = this.session.take(buffer);
      this.malformedBytes += decodeRecords(buffer, length, (record) => this.records.push(record));
      if (length === 0) await delay(EMPTY_PAUSE_MS);
    }
  }

  /** Resolves to the matching records once `done` holds for them, or throws after timeoutMs. */
  async waitFor(
    match: (record: NativeRecord) => boolean,
    done: (matching: NativeRecord[]) => boolean,
    timeoutMs = 10_000,
  ): Promise<NativeRecord[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const matching = this.records.filter(match);
      if (done(matching)) return matching;
      if (Date.now() > deadline) {
        throw new Error(`records never matched; got ${JSON.stringify(matching, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`);
      }
      await delay(WAIT_STEP_MS);
    }
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
  }
}

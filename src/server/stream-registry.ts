import type { EventEmitter } from 'node:events';

// Per-stream state keyed by the stream object itself, not by the client: a client that
// cancels and reconnects at once has an old and a new stream for a moment. The entry goes
// away synchronously with the stream's first ending event, and an ending stream can only
// remove its own entry: a newer stream from the same client is a different key
// (test/server/peer-notify-reconnect-race-keeps-the-new-subscription.test.ts).

const ENDING_EVENTS = ['cancelled', 'finish', 'close', 'error'] as const;

export class StreamRegistry<Stream extends EventEmitter> {
  private readonly entries = new Map<Stream, () => void>();

  /** Registers `release` for `stream`; it runs exactly once, at the stream's first ending event. */
  add(stream: Stream, release: () => void): void {
    this.entries.set(stream, release);
    const end = (): void => this.release(stream);
    for (const event of ENDING_EVENTS) stream.once(event, end);
  }

  size(): number {
    return this.entries.size;
  }

  private release(stream: Stream): void {
    const release = this.entries.get(stream);
    if (release === undefined) return;
    this.entries.delete(stream);
    release();
  }
}

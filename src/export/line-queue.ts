import type { PackedLines } from './rotating-file.js';

// The text a flow log has formatted and not yet written, as UTF-8 bytes packed back to back
// in large reused buffers: a line costs no Buffer of its own, and the disk gets one write per
// run of lines. Runs are taken in the order their lines were pushed and released once
// written; a buffer whose runs have all been released is reused.

/** Size of one buffer of lines; a line that could take more than a third of it gets a buffer of its own. */
export const CHUNK_BYTES = 1024 * 1024;
const NEWLINE = 0x0a;
// The most UTF-8 bytes one UTF-16 code unit takes (a surrogate pair takes 4 for 2 units).
const MAX_BYTES_PER_UNIT = 3;

interface Chunk {
  readonly buffer: Buffer;
  /** Bytes filled. */
  used: number;
  /** Runs in this chunk not yet released. */
  runs: number;
  /** No more lines go in (one did not fit). */
  retired: boolean;
}

/** Whole lines as the queue hands them out; give them back with release(). */
export interface QueuedLines extends PackedLines {
  readonly bytes: Buffer;
}

interface Run extends QueuedLines {
  bytes: Buffer;
  readonly chunk: Chunk | undefined;
  readonly start: number;
  end: number;
  readonly ends: number[];
}

export class LineQueue {
  private current: Chunk | undefined;
  private readonly spare: Chunk[] = [];
  private readonly runs: Run[] = [];
  private bytes = 0;
  private readonly maxSpareChunks: number;

  constructor(private readonly limitBytes: number) {
    // Enough to hold a full queue again without allocating.
    this.maxSpareChunks = Math.max(1, Math.ceil(limitBytes / CHUNK_BYTES));
  }

  /** Bytes of lines pushed and not yet released. */
  get queuedBytes(): number {
    return this.bytes;
  }

  /** Whether the queue is at its limit. */
  get full(): boolean {
    return this.bytes >= this.limitBytes;
  }

  /** Queues `text` and a newline; false (nothing queued) when that would take the queue past its limit. */
  push(text: string): boolean {
    if ((text.length + 1) * MAX_BYTES_PER_UNIT > CHUNK_BYTES / 3) return this.pushAlone(text);
    let chunk = this.current;
    if (chunk !== undefined) {
      const room = chunk.buffer.length - chunk.used;
      const written = chunk.buffer.write(text, chunk.used);
      // Room left for any further character: the whole text went in, and the newline fits.
      if (room - written > MAX_BYTES_PER_UNIT) return this.commit(chunk, written + 1);
      chunk.retired = true;
      this.recycleIfDone(chunk);
    }
    chunk = this.spare.pop() ?? { buffer: Buffer.allocUnsafeSlow(CHUNK_BYTES), used: 0, runs: 0, retired: false };
    chunk.used = 0;
    chunk.retired = false;
    this.current = chunk;
    return this.commit(chunk, chunk.buffer.write(text, 0) + 1);
  }

  /** The oldest run of queued lines, or undefined when none is queued. */
  take(): QueuedLines | undefined {
    const run = this.runs.shift();
    if (run?.chunk !== undefined) run.bytes = run.chunk.buffer.subarray(run.start, run.end);
    return run;
  }

  /** Lines taken have been written (or given up on): their bytes leave the queue. */
  release(lines: QueuedLines): void {
    const run = lines as Run;
    this.bytes -= run.end - run.start;
    if (run.chunk === undefined) return;
    run.chunk.runs -= 1;
    this.recycleIfDone(run.chunk);
  }

  private pushAlone(text: string): boolean {
    const bytes = Buffer.from(`${text}\n`);
    if (this.bytes + bytes.length > this.limitBytes) return false;
    this.runs.push({ bytes, chunk: undefined, start: 0, end: bytes.length, ends: [bytes.length] });
    this.bytes += bytes.length;
    return true;
  }

  /** Keeps the `length` bytes just written at the chunk's end (with room for the newline) as a line, if the limit allows. */
  private commit(chunk: Chunk, length: number): boolean {
    if (this.bytes + length > this.limitBytes) return false;
    const at = chunk.used;
    chunk.buffer[at + length - 1] = NEWLINE;
    chunk.used = at + length;
    this.bytes += length;
    // Lines pushed while the previous ones wait join their run (it has not been taken yet).
    const last = this.runs[this.runs.length - 1];
    if (last !== undefined && last.chunk === chunk && last.end === at) {
      last.end = chunk.used;
      last.ends.push(last.end - last.start);
    } else {
      this.runs.push({ bytes: chunk.buffer, chunk, start: at, end: chunk.used, ends: [length] });
      chunk.runs += 1;
    }
    return true;
  }

  private recycleIfDone(chunk: Chunk): void {
    if (chunk.retired && chunk.runs === 0 && this.spare.length < this.maxSpareChunks) this.spare.push(chunk);
  }
}

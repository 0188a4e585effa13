import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

// A log file that rotates the way lumberjack (which Cilium's exporter writes through) does, so
// tools that pick up rotated flow logs find the same names: when a write would take the file
// past its maximum size, it is renamed to `<name>-<UTC time as 2006-01-02T15-04-05.000><ext>`
// beside it and a new file is started; the newest `maxBackups` backups are kept, and with
// `compress` the kept ones are gzipped to `<backup>.gz`. Whole lines only: a line never
// straddles two files.

export const MEGABYTE = 1024 * 1024;

export interface RotatingFileOptions {
  path: string;
  maxSizeBytes: number;
  maxBackups: number;
  compress: boolean;
  now?: () => Date;
}

/** Lines of text packed back to back, each ending in a newline: line i ends at `ends[i]` in `bytes`. */
export interface PackedLines {
  readonly bytes: Uint8Array;
  readonly ends: readonly number[];
}

export interface WriteOutcome {
  written: number;
  /** Lines longer than the maximum file size, which no file can take. */
  tooLong: number;
}

const BACKUP_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{3}$/;
const GZ = '.gz';

function backupTime(date: Date): string {
  return date.toISOString().slice(0, 23).replace(/:/g, '-');
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

export class RotatingFile {
  private handle: FileHandle | undefined;
  private size = 0;
  private rotationCount = 0;
  private milling: Promise<void> | undefined;
  private millAgain = false;
  private readonly now: () => Date;
  private readonly dir: string;
  private readonly prefix: string;
  private readonly ext: string;

  constructor(private readonly options: RotatingFileOptions) {
    this.now = options.now ?? (() => new Date());
    this.dir = dirname(options.path);
    const name = basename(options.path);
    this.ext = extname(name);
    this.prefix = `${name.slice(0, name.length - this.ext.length)}-`;
  }

  get rotations(): number {
    return this.rotationCount;
  }

  /** Appends lines, rotating before any line that would not fit. Not re-entrant: await each call. */
  async write(lines: PackedLines): Promise<WriteOutcome> {
    const { bytes, ends } = lines;
    const max = this.options.maxSizeBytes;
    let written = 0;
    let tooLong = 0;
    // The lines from `from` to `at` are the next to go to the file, in one write.
    let from = 0;
    let at = 0;
    let count = 0;
    const flush = async (): Promise<void> => {
      if (count === 0) return;
      await this.handle!.writeFile(bytes.subarray(from, at));
      this.size += at - from;
      written += count;
      count = 0;
    };
    for (const end of ends) {
      const size = end - at;
      if (size > max) {
        await flush();
        tooLong += 1;
        from = at = end;
        continue;
      }
      if (this.handle === undefined) await this.openExistingOrNew(size);
      if (this.size + (at - from) + size > max) {
        await flush();
        from = at;
        if (this.size + size > max) await this.rotate();
      }
      at = end;
      count += 1;
    }
    await flush();
    return { written, tooLong };
  }

  /** Closes the file; waits for a running clean-up of backups. */
  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
    await this.milling;
  }

  private async openExistingOrNew(firstWriteBytes: number): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o755 });
    const info = await stat(this.options.path).catch(() => undefined);
    if (info !== undefined && info.size + firstWriteBytes >= this.options.maxSizeBytes) {
      await this.rotate();
      return;
    }
    this.handle = await open(this.options.path, 'a', 0o600);
    this.size = info?.size ?? 0;
    this.mill();
  }

  private async rotate(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
    const info = await stat(this.options.path).catch(() => undefined);
    if (info !== undefined) await rename(this.options.path, await this.freeBackupName());
    this.handle = await open(this.options.path, 'a', info ? info.mode & 0o777 : 0o600);
    this.size = 0;
    this.rotationCount += 1;
    this.mill();
  }

  // Two rotations within a millisecond would share a name; the later one takes the next millisecond.
  private async freeBackupName(): Promise<string> {
    let at = this.now().getTime();
    for (;;) {
      const path = join(this.dir, `${this.prefix}${backupTime(new Date(at))}${this.ext}`);
      if (!(await exists(path)) && !(await exists(path + GZ))) return path;
      at += 1;
    }
  }

  /** Backups of this file, newest first (by the time in their names, as lumberjack orders them). */
  async backups(): Promise<string[]> {
    const names = await readdir(this.dir);
    const found: { name: string; time: string }[] = [];
    for (const name of names) {
      if (!name.startsWith(this.prefix)) continue;
      const rest = name.slice(this.prefix.length);
      const base = rest.endsWith(GZ) ? rest.slice(0, -GZ.length) : rest;
      if (!base.endsWith(this.ext)) continue;
      const time = base.slice(0, base.length - this.ext.length);
      if (BACKUP_TIME.test(time)) found.push({ name, time });
    }
    return found.sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : 0)).map((f) => join(this.dir, f.name));
  }

  // Clean-up runs beside the writes, one at a time; a request while one runs is folded into one more run.
  private mill(): void {
    if (this.milling !== undefined) {
      this.millAgain = true;
      return;
    }
    this.milling = (async () => {
      do {
        this.millAgain = false;
        await this.millOnce().catch(() => undefined);
      } while (this.millAgain);
      this.milling = undefined;
    })();
  }

  private async millOnce(): Promise<void> {
    const backups = await this.backups();
    const kept = new Set<string>();
    for (const path of backups) {
      const plain = path.endsWith(GZ) ? path.slice(0, -GZ.length) : path;
      kept.add(plain);
      if (kept.size > this.options.maxBackups) await rm(path, { force: true });
      else if (this.options.compress && !path.endsWith(GZ) && !(await exists(path + GZ))) await compressFile(path);
    }
  }
}

/** Gzips to a temporary name first, so a reader never sees a half-written `.gz`. */
async function compressFile(path: string): Promise<void> {
  const tmp = `${path}${GZ}.tmp`;
  try {
    await pipeline(createReadStream(path), createGzip(), createWriteStream(tmp, { mode: 0o600 }));
    await rename(tmp, path + GZ);
    await rm(path, { force: true });
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

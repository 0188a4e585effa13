import type { Watch } from '@kubernetes/client-node';
import { moduleLogger } from '../log.js';

const log = moduleLogger('kube-reflector');

// Our own list/watch loop on the client's low-level Watch. The client's ListWatch stops for
// good when a watch connection breaks (it reports "Premature close" and never restarts) and
// never asks for bookmarks; this loop resumes from the last resourceVersion after any
// disconnect, relists only after 410 Gone, and backs off while the API server is away.

const LIST_PAGE_LIMIT = 500;
/** The API server ends each watch after this long; we then resume from the last version. */
const WATCH_TIMEOUT_S = 300;
/** A watch silent for this long past its own timeout is a dead connection: abort it. */
const WATCH_DEADLINE_GRACE_MS = 30_000;
const DEFAULT_BACKOFF_INITIAL_MS = 500;
const DEFAULT_BACKOFF_MAX_MS = 30_000;
/** A watch that ends sooner than this without any event counts as a failure (no busy loop). */
const MIN_HEALTHY_WATCH_MS = 1_000;
const DEFAULT_INITIAL_SYNC_WAIT_MS = 10_000;
/** stop() does not wait longer than this for a request stuck in connect. */
const STOP_WAIT_MS = 2_000;

/** The part of every Kubernetes object the loop reads. */
export interface KubeObjectMeta {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
}

export interface KubeListPage {
  items: KubeObjectMeta[];
  metadata?: { resourceVersion?: string; _continue?: string };
}

export type ReflectorChange<T> =
  | { type: 'added'; key: string; value: T }
  | { type: 'updated'; key: string; value: T; previous: T }
  | { type: 'deleted'; key: string; previous: T };

export interface ReflectorOptions<T> {
  /** Resource name for logs and counters, e.g. 'pods'. */
  resource: string;
  /** Collection path for watches, e.g. '/api/v1/pods'. */
  path: string;
  /** Only objects with these labels (`key=value`), in watches; listPage applies it itself. */
  labelSelector?: string;
  watch: Watch;
  /** One page of the collection (the typed client's list call). */
  listPage(limit: number, continueToken: string | undefined): Promise<KubeListPage>;
  /** The part of an object worth keeping; undefined leaves the object out, as if absent. */
  toValue(object: KubeObjectMeta): T | undefined;
  /** Called synchronously for each change, in order. */
  onChange(change: ReflectorChange<T>): void;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** How long start() waits for the first list before returning anyway. */
  initialSyncWaitMs?: number;
}

export interface ReflectorStats {
  synced: boolean;
  /** The last resourceVersion seen (list, event or bookmark); '' before the first list or after 410 Gone. */
  resourceVersion: string;
  objects: number;
  lists: number;
  watchRestarts: number;
  failures: number;
  connected: boolean;
}

interface Entry<T> {
  value: T;
  signature: string;
}

type WatchEnd = 'closed' | 'expired';

class WatchFailure extends Error {
  readonly statusCode: number | undefined;

  constructor(message: string, statusCode?: number) {
    super(message);
    this.statusCode = statusCode;
  }
}

function keyOf(object: KubeObjectMeta): string {
  const meta = object.metadata ?? {};
  return meta.namespace ? `${meta.namespace}/${meta.name ?? ''}` : (meta.name ?? '');
}

/** Keeps a local copy of one Kubernetes collection and reports every change to it. */
export class KubeReflector<T> {
  private readonly options: ReflectorOptions<T>;
  private readonly entries = new Map<string, Entry<T>>();
  private resourceVersion = '';
  private stopped = true;
  private loop: Promise<void> | undefined;
  private controller: AbortController | undefined;
  private wakeUp: (() => void) | undefined;
  private syncedResolve: (() => void) | undefined;
  private readonly syncedPromise: Promise<void>;
  private readonly counters = { lists: 0, watchRestarts: 0, failures: 0 };
  private synced = false;
  private connected = false;
  private failing = false;

  constructor(options: ReflectorOptions<T>) {
    this.options = options;
    this.syncedPromise = new Promise((resolve) => (this.syncedResolve = resolve));
  }

  /** Starts the loop; resolves after the first complete list, or after the wait, never throws. */
  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop = this.run();
    const waitMs = this.options.initialSyncWaitMs ?? DEFAULT_INITIAL_SYNC_WAIT_MS;
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)));
    await Promise.race([this.syncedPromise, waited]);
    clearTimeout(timer);
    if (!this.synced && !this.stopped) {
      log.warn({ resource: this.options.resource, waitMs }, 'no first list yet; continuing without it and retrying');
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.controller?.abort();
    this.wakeUp?.();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.loop, new Promise((resolve) => (timer = setTimeout(resolve, STOP_WAIT_MS)))]);
    clearTimeout(timer);
  }

  values(): T[] {
    return [...this.entries.values()].map((entry) => entry.value);
  }

  stats(): ReflectorStats {
    return {
      synced: this.synced,
      resourceVersion: this.resourceVersion,
      objects: this.entries.size,
      connected: this.connected,
      ...this.counters,
    };
  }

  private async run(): Promise<void> {
    const initialMs = this.options.backoffInitialMs ?? DEFAULT_BACKOFF_INITIAL_MS;
    const maxMs = this.options.backoffMaxMs ?? DEFAULT_BACKOFF_MAX_MS;
    let delayMs = initialMs;
    let firstWatch = true;
    while (!this.stopped) {
      try {
        if (this.resourceVersion === '') await this.relist();
        if (!firstWatch) this.counters.watchRestarts++;
        firstWatch = false;
        const startedAt = Date.now();
        const outcome = await this.watchOnce();
        if (this.stopped) break;
        if (outcome.end === 'expired') {
          log.info({ resource: this.options.resource }, 'watch expired (410 Gone); relisting');
          this.resourceVersion = '';
        }
        if (outcome.events === 0 && Date.now() - startedAt < MIN_HEALTHY_WATCH_MS && outcome.end === 'closed') {
          throw new WatchFailure('watch ended at once without events');
        }
        this.recovered();
        delayMs = initialMs;
      } catch (err) {
        if (this.stopped) break;
        this.connected = false;
        this.counters.failures++;
        if ((err as WatchFailure).statusCode === 410) this.resourceVersion = '';
        const detail = { resource: this.options.resource, err: (err as Error).message, retryInMs: delayMs };
        if (!this.failing) log.warn(detail, 'Kubernetes API unreachable or failing; keeping the last known state');
        else log.debug(detail, 'Kubernetes API still failing');
        this.failing = true;
        await this.sleep(delayMs);
        delayMs = Math.min(delayMs * 2, maxMs);
      }
    }
    this.connected = false;
  }

  private recovered(): void {
    if (this.failing) log.info({ resource: this.options.resource }, 'Kubernetes API reachable again');
    this.failing = false;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
  }

  private async relist(): Promise<void> {
    const items: KubeObjectMeta[] = [];
    let continueToken: string | undefined;
    let resourceVersion = '';
    do {
      const page = await this.options.listPage(LIST_PAGE_LIMIT, continueToken);
      items.push(...page.items);
      resourceVersion = page.metadata?.resourceVersion ?? '';
      continueToken = page.metadata?._continue || undefined;
    } while (continueToken !== undefined && !this.stopped);
    if (this.stopped) return;
    this.counters.lists++;
    const seen = new Set<string>();
    for (const item of items) {
      seen.add(keyOf(item));
      this.upsert(item);
    }
    for (const [key, entry] of [...this.entries]) {
      if (!seen.has(key)) this.delete(key, entry);
    }
    this.resourceVersion = resourceVersion;
    this.connected = true;
    this.recovered();
    if (!this.synced) {
      this.synced = true;
      log.info({ resource: this.options.resource, objects: this.entries.size }, 'initial list done');
      this.syncedResolve?.();
    }
  }

  private watchOnce(): Promise<{ end: WatchEnd; events: number }> {
    return new Promise((resolve, reject) => {
      let expired = false;
      let failure: WatchFailure | undefined;
      let events = 0;
      let deadline: NodeJS.Timeout | undefined;
      const onEvent = (type: string, object: KubeObjectMeta & { code?: number; message?: string }): void => {
        if (this.stopped) return;
        events++;
        switch (type) {
          case 'ADDED':
          case 'MODIFIED':
            this.upsert(object);
            break;
          case 'DELETED': {
            const key = keyOf(object);
            const entry = this.entries.get(key);
            if (entry) this.delete(key, entry);
            break;
          }
          case 'BOOKMARK':
            break;
          case 'ERROR':
            if (object.code === 410) expired = true;
            else failure = new WatchFailure(`watch error: ${object.message ?? 'unknown'}`, object.code);
            return;
          default:
            return;
        }
        const version = object.metadata?.resourceVersion;
        if (version) this.resourceVersion = version;
      };
      let finished = false;
      const onDone = (err: unknown): void => {
        finished = true;
        clearTimeout(deadline);
        this.controller = undefined;
        if (this.stopped) resolve({ end: 'closed', events });
        else if (expired || (err as WatchFailure | null)?.statusCode === 410) resolve({ end: 'expired', events });
        else if (err) reject(new WatchFailure((err as Error).message ?? String(err), (err as WatchFailure).statusCode));
        else if (failure) reject(failure);
        else resolve({ end: 'closed', events });
      };
      const query = {
        resourceVersion: this.resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds: WATCH_TIMEOUT_S,
        ...(this.options.labelSelector === undefined ? {} : { labelSelector: this.options.labelSelector }),
      };
      this.options.watch.watch(this.options.path, query, onEvent, onDone).then(
        (controller) => {
          // watch() also returns when the request failed and onDone already ran.
          if (finished) return;
          this.controller = controller;
          if (this.stopped) controller.abort();
          this.connected = true;
          this.recovered();
          deadline = setTimeout(() => controller.abort(), WATCH_TIMEOUT_S * 1000 + WATCH_DEADLINE_GRACE_MS);
        },
        (err: unknown) => onDone(err),
      );
    });
  }

  private upsert(object: KubeObjectMeta): void {
    const key = keyOf(object);
    const previous = this.entries.get(key);
    const value = this.options.toValue(object);
    if (value === undefined) {
      if (previous) this.delete(key, previous);
      return;
    }
    const signature = JSON.stringify(value);
    if (previous?.signature === signature) return;
    this.entries.set(key, { value, signature });
    this.emit(previous ? { type: 'updated', key, value, previous: previous.value } : { type: 'added', key, value });
  }

  private delete(key: string, entry: Entry<T>): void {
    this.entries.delete(key);
    this.emit({ type: 'deleted', key, previous: entry.value });
  }

  private emit(change: ReflectorChange<T>): void {
    try {
      this.options.onChange(change);
    } catch (err) {
      log.error({ resource: this.options.resource, key: change.key, err: (err as Error).message }, 'change handler failed');
    }
  }
}

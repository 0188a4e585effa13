import { readdir, readFile } from 'node:fs/promises';
import { moduleLogger } from '../log.js';
import { interfaceMatcher, type InterfaceMatcher } from './interface-pattern.js';
import { interfaceRoles } from './interface-role.js';
import type { CapturedInterface, InterfaceLookup, InterfaceRole } from './source.js';

// Keeps the capture attached to exactly the interfaces that match `capture.interfaces`:
// reads /sys/class/net every scan (periodically, and at once when the capture reports a link
// event from rtnetlink), attaches interfaces that appeared (a new pod's veth),
// releases those that vanished, and re-attaches a name whose ifindex changed (deleted and
// re-created between two scans). An interface that vanishes between listing and attaching
// fails that attach and is simply gone at the next scan; an attach that keeps failing is
// retried with a growing delay and logged once.

const log = moduleLogger('interface-watcher');

const SYS_CLASS_NET = '/sys/class/net';
const DEFAULT_SCAN_INTERVAL_MS = 1_000;
const RETRY_INITIAL_MS = 1_000;
const RETRY_MAX_MS = 60_000;

export interface InterfaceTarget {
  /** Starts capturing on the interface; throws when it cannot. */
  attach(iface: CapturedInterface): Promise<void>;
  /** Stops capturing on it; called for vanished interfaces too (errors are logged, not fatal). */
  detach(iface: CapturedInterface): Promise<void>;
}

export interface InterfaceWatcherOptions {
  /** Names or glob patterns; empty: every non-loopback interface. */
  patterns: readonly string[];
  target: InterfaceTarget;
  scanIntervalMs?: number;
}

interface FailedAttach {
  ifindex: number;
  attempts: number;
  retryAtMs: number;
}

export class InterfaceWatcher implements InterfaceLookup {
  private readonly matches: InterfaceMatcher;
  private readonly scanIntervalMs: number;
  private readonly attachedByIndex = new Map<number, CapturedInterface>();
  private readonly failures = new Map<string, FailedAttach>();
  private timer: NodeJS.Timeout | undefined;
  private scanning: Promise<void> = Promise.resolve();
  private running = false;
  private rescanQueued = false;
  private errorCount = 0;

  constructor(private readonly options: InterfaceWatcherOptions) {
    this.matches = interfaceMatcher(options.patterns);
    this.scanIntervalMs = options.scanIntervalMs ?? DEFAULT_SCAN_INTERVAL_MS;
  }

  /** Attaches what matches now, then keeps watching. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.scan();
    this.schedule();
  }

  /** Stops watching and releases every attached interface. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.scanning;
    for (const iface of [...this.attachedByIndex.values()]) await this.release(iface);
    this.failures.clear();
  }

  /** Runs one scan (after any scan in progress). */
  private scan(): Promise<void> {
    this.scanning = this.scanning
      .then(() => (this.running ? this.reconcile() : undefined))
      .catch((err: unknown) => {
        this.errorCount++;
        log.error({ err }, 'interface scan failed');
      });
    return this.scanning;
  }

  /** Scans again as soon as the scan in progress (if any) is done; repeated calls meanwhile coalesce. */
  rescan(): void {
    if (!this.running || this.rescanQueued) return;
    this.rescanQueued = true;
    this.scanning = this.scanning.then(() => {
      this.rescanQueued = false;
    });
    void this.scan();
  }

  attached(): CapturedInterface[] {
    return [...this.attachedByIndex.values()];
  }

  lookupInterface(ifindex: number): CapturedInterface | undefined {
    return this.attachedByIndex.get(ifindex);
  }

  /** Attaches and releases that failed, since start. */
  get errors(): number {
    return this.errorCount;
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      void this.scan().finally(() => this.schedule());
    }, this.scanIntervalMs);
    this.timer.unref();
  }

  private async reconcile(): Promise<void> {
    let present: Map<number, string>;
    try {
      present = await this.listMatching();
    } catch (err) {
      this.errorCount++;
      log.warn({ err }, 'cannot list network interfaces');
      return;
    }

    for (const [ifindex, iface] of this.attachedByIndex) {
      const name = present.get(ifindex);
      if (name === undefined) await this.release(iface);
      else if (name !== iface.name) this.attachedByIndex.set(ifindex, { ...iface, name });
    }

    const now = Date.now();
    const candidates: Array<[number, string]> = [];
    for (const [ifindex, name] of present) {
      if (this.attachedByIndex.has(ifindex)) continue;
      const failed = this.failures.get(name);
      if (failed !== undefined && failed.ifindex === ifindex && now < failed.retryAtMs) continue;
      candidates.push([ifindex, name]);
    }
    const presentNames = new Set(present.values());
    for (const name of this.failures.keys()) if (!presentNames.has(name)) this.failures.delete(name);
    if (candidates.length === 0) return;

    const roles = await this.rolesOf(candidates.map(([, name]) => name));
    for (const [ifindex, name] of candidates) {
      if (!this.running) return;
      await this.attach({ index: ifindex, name, role: roles.get(name) ?? 'network' });
    }
  }

  private async listMatching(): Promise<Map<number, string>> {
    const names = (await readdir(SYS_CLASS_NET)).filter(this.matches);
    const present = new Map<number, string>();
    await Promise.all(
      names.map(async (name) => {
        // Undefined when it vanished while listing: absent from this scan.
        const ifindex = await this.ifindexOf(name);
        if (ifindex !== undefined) present.set(ifindex, name);
      }),
    );
    return present;
  }

  private async rolesOf(names: string[]): Promise<Map<string, InterfaceRole>> {
    try {
      return await interfaceRoles(names);
    } catch (err) {
      log.warn({ err }, 'cannot tell veths from other interfaces (ip link failed); treating all as network interfaces');
      return new Map();
    }
  }

  private async attach(iface: CapturedInterface): Promise<void> {
    try {
      await this.options.target.attach(iface);
      this.attachedByIndex.set(iface.index, iface);
      if (this.failures.delete(iface.name)) log.info({ iface: iface.name, ifindex: iface.index, role: iface.role }, 'interface attached after earlier failures');
      else log.info({ iface: iface.name, ifindex: iface.index, role: iface.role }, 'interface attached');
    } catch (err) {
      if ((await this.ifindexOf(iface.name)) !== iface.index) {
        // Gone (or re-created) since it was listed: nothing failed, the next scan decides.
        log.debug({ iface: iface.name, ifindex: iface.index }, 'interface vanished before it could be attached');
        return;
      }
      this.errorCount++;
      const previous = this.failures.get(iface.name);
      const attempts = previous !== undefined && previous.ifindex === iface.index ? previous.attempts + 1 : 1;
      const delayMs = Math.min(RETRY_MAX_MS, RETRY_INITIAL_MS * 2 ** (attempts - 1));
      this.failures.set(iface.name, { ifindex: iface.index, attempts, retryAtMs: Date.now() + delayMs });
      const fields = { err, iface: iface.name, ifindex: iface.index, attempts, retryInMs: delayMs };
      if (attempts === 1) log.warn(fields, 'cannot attach interface; will retry');
      else log.debug(fields, 'cannot attach interface; will retry');
    }
  }

  private async ifindexOf(name: string): Promise<number | undefined> {
    try {
      const ifindex = Number((await readFile(`${SYS_CLASS_NET}/${name}/ifindex`, 'utf8')).trim());
      return Number.isInteger(ifindex) && ifindex > 0 ? ifindex : undefined;
    } catch {
      return undefined;
    }
  }

  private async release(iface: CapturedInterface): Promise<void> {
    this.attachedByIndex.delete(iface.index);
    try {
      await this.options.target.detach(iface);
      log.info({ iface: iface.name, ifindex: iface.index }, 'interface released');
    } catch (err) {
      // Usually the interface is already gone and took its attachment with it.
      log.debug({ err, iface: iface.name, ifindex: iface.index }, 'interface release failed');
    }
  }
}

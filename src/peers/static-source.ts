import { readFile } from 'node:fs/promises';
import { FlowlensError } from '../errors.js';
import { canonicalIp } from '../ip-text.js';
import { moduleLogger } from '../log.js';
import { diffPeers, peerKey } from './diff.js';
import { parsePeersFile } from './peers-file.js';
import type { NodeAddresses, PeerChange, PeerNode, PeerSource } from './source.js';

const log = moduleLogger('peers-static');

const DEFAULT_POLL_INTERVAL_MS = 2_000;

export interface StaticPeerSourceOptions {
  /** YAML peers file, re-read every pollIntervalMs; without it, this node alone. */
  file?: string;
  nodeName: string;
  clusterName: string;
  /** This node's address when there is no file. */
  advertiseAddress?: string;
  grpcPort: number;
  pollIntervalMs?: number;
}

/** Peers from a YAML file (reloaded when its content changes), or just this node. */
export class StaticPeerSource implements PeerSource {
  private readonly current = new Map<string, PeerNode>();
  private readonly listeners = new Set<{ listener: (change: PeerChange) => void }>();
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private lastText: string | undefined;
  private lastProblem: string | undefined;
  private changes = 0;

  constructor(private readonly options: StaticPeerSourceOptions) {}

  async start(): Promise<void> {
    const { file } = this.options;
    if (file === undefined) {
      const { nodeName, clusterName, advertiseAddress, grpcPort } = this.options;
      this.apply([{ name: nodeName, cluster: clusterName, ...(advertiseAddress === undefined ? {} : { ip: advertiseAddress }), port: grpcPort }]);
      return;
    }
    const text = await readPeersText(file);
    this.apply(parsePeersFile(text, this.options.clusterName, file));
    this.lastText = text;
    log.info({ file, nodes: this.current.size }, 'static peers loaded');
    this.timer = setInterval(() => {
      this.inFlight ??= this.reload(file).finally(() => {
        this.inFlight = undefined;
      });
    }, this.options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  nodes(): readonly PeerNode[] {
    return [...this.current.values()];
  }

  subscribe(listener: (change: PeerChange) => void): () => void {
    const registration = { listener };
    this.listeners.add(registration);
    return () => {
      this.listeners.delete(registration);
    };
  }

  /** The file gives one address per node: the one it is dialled at. */
  nodeAddresses(): readonly NodeAddresses[] {
    return [...this.current.values()].flatMap((node) => (node.ip === undefined ? [] : [{ name: node.name, addresses: [canonicalIp(node.ip)] }]));
  }

  get addressesVersion(): number {
    return this.changes;
  }

  private async reload(file: string): Promise<void> {
    let text: string;
    try {
      text = await readPeersText(file);
    } catch (err) {
      this.reportProblem(file, (err as Error).message);
      return;
    }
    if (this.timer === undefined || text === this.lastText) return;
    this.lastText = text;
    try {
      this.apply(parsePeersFile(text, this.options.clusterName, file));
    } catch (err) {
      this.reportProblem(file, (err as Error).message);
      return;
    }
    this.lastProblem = undefined;
    log.info({ file, nodes: this.current.size }, 'static peers reloaded');
  }

  /** A bad or unreadable file keeps the previous nodes; each distinct problem is logged once. */
  private reportProblem(file: string, problem: string): void {
    if (problem === this.lastProblem) return;
    this.lastProblem = problem;
    log.error({ file, err: problem }, 'static peers file rejected, keeping the previous nodes');
  }

  private apply(next: readonly PeerNode[]): void {
    for (const change of diffPeers([...this.current.values()], next)) {
      this.changes++;
      const key = peerKey(change.node);
      if (change.type === 'PEER_DELETED') this.current.delete(key);
      else this.current.set(key, change.node);
      for (const { listener } of [...this.listeners]) {
        try {
          listener(change);
        } catch (err) {
          log.error({ err, change }, 'peer change listener failed');
        }
      }
    }
  }
}

async function readPeersText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new FlowlensError('FL_PEERS_FILE', `${file}: cannot be read: ${(err as Error).message}`, { cause: err });
  }
}

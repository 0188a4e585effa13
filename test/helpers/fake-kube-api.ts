import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// A Kubernetes API server in miniature, for the real @kubernetes/client-node: plain HTTP on
// 127.0.0.1, one etcd-like resourceVersion counter, lists (with limit/continue and equality
// label selectors), watches that replay history from a resourceVersion, bookmarks, 410 Gone
// once history is compacted, and knobs to drop watch connections or take the whole server away.

export type FakeKind = 'pods' | 'namespaces' | 'nodes' | 'endpointslices';

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    resourceVersion?: string;
    uid?: string;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

interface HistoryEvent {
  rv: number;
  kind: FakeKind;
  type: EventType;
  object: KubeObject;
}

interface OpenWatch {
  kind: FakeKind;
  namespace: string | undefined;
  selector: LabelSelector;
  bookmarks: boolean;
  res: ServerResponse;
  timer: NodeJS.Timeout | undefined;
}

export interface RecordedRequest {
  kind: FakeKind;
  watch: boolean;
  query: URLSearchParams;
}

const TOKEN = 'fake-kube-api-token';
const KIND_OF: Record<FakeKind, string> = { pods: 'Pod', namespaces: 'Namespace', nodes: 'Node', endpointslices: 'EndpointSlice' };
const NAMESPACED: Record<FakeKind, boolean> = { pods: true, namespaces: false, nodes: false, endpointslices: true };
/** Where each kind is served: the core group, or a named group and its version. */
const GROUP_PATH: Record<FakeKind, string> = { pods: 'api/v1', namespaces: 'api/v1', nodes: 'api/v1', endpointslices: 'apis/discovery.k8s.io/v1' };

/** An equality-based label selector (`a=b,c=d`); empty matches everything. */
type LabelSelector = [string, string][];

function parseSelector(query: URLSearchParams): LabelSelector {
  const text = query.get('labelSelector') ?? '';
  return text === '' ? [] : text.split(',').map((term) => term.split('=', 2) as [string, string]);
}

function selects(selector: LabelSelector, object: KubeObject): boolean {
  const labels = (object.metadata.labels ?? {}) as Record<string, string>;
  return selector.every(([key, value]) => labels[key] === value);
}

function keyOf(object: KubeObject): string {
  return `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
}

function status(code: number, reason: string, message: string): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

export class FakeKubeApi {
  /** Every list and watch request, in arrival order. */
  readonly requests: RecordedRequest[] = [];
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly objects: Record<FakeKind, Map<string, KubeObject>> = {
    pods: new Map(),
    namespaces: new Map(),
    nodes: new Map(),
    endpointslices: new Map(),
  };
  private history: HistoryEvent[] = [];
  /** Watches from a resourceVersion below this get 410 Gone. */
  private oldestRv = 1;
  private rv = 1;
  private readonly watches = new Set<OpenWatch>();
  private readonly continues = new Map<string, { rv: number; items: KubeObject[] }>();
  private nextUid = 1;
  private dir: string;
  port = 0;

  private constructor() {
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.dir = mkdtempSync(join(tmpdir(), 'fl-fake-kube-'));
  }

  static async start(): Promise<FakeKubeApi> {
    const api = new FakeKubeApi();
    await api.listen(0);
    return api;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** A kubeconfig file pointing at this server (plain HTTP, bearer token). */
  get kubeconfigPath(): string {
    const path = join(this.dir, 'kubeconfig');
    writeFileSync(
      path,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        `- name: fake\n  cluster:\n    server: ${this.url}\n    insecure-skip-tls-verify: true`,
        'users:',
        `- name: fake\n  user:\n    token: ${TOKEN}`,
        'contexts:',
        '- name: fake\n  context:\n    cluster: fake\n    user: fake',
        'current-context: fake',
        '',
      ].join('\n'),
    );
    return path;
  }

  get resourceVersion(): string {
    return String(this.rv);
  }

  /** Creates or replaces an object, like a PUT; returns it with its new resourceVersion. */
  apply(kind: FakeKind, object: KubeObject): KubeObject {
    const store = this.objects[kind];
    const previous = store.get(keyOf(object));
    this.rv++;
    const stored: KubeObject = structuredClone(object);
    stored.apiVersion = GROUP_PATH[kind].replace(/^apis?\//, '');
    stored.kind = KIND_OF[kind];
    stored.metadata.resourceVersion = String(this.rv);
    stored.metadata.uid = previous?.metadata.uid ?? `uid-${this.nextUid++}`;
    store.set(keyOf(stored), stored);
    this.record(kind, previous ? 'MODIFIED' : 'ADDED', stored);
    return stored;
  }

  remove(kind: FakeKind, name: string, namespace?: string): void {
    const store = this.objects[kind];
    const key = `${namespace ?? ''}/${name}`;
    const previous = store.get(key);
    if (!previous) throw new Error(`fake kube api: no ${kind} ${key}`);
    store.delete(key);
    this.rv++;
    const deleted = structuredClone(previous);
    deleted.metadata.resourceVersion = String(this.rv);
    this.record(kind, 'DELETED', deleted);
  }

  /** Forgets all history so far: a watch resuming from an older resourceVersion gets 410 Gone. */
  compact(): void {
    this.oldestRv = this.rv;
    this.history = [];
  }

  /** Sends a BOOKMARK at the current resourceVersion to every watch that allowed bookmarks. */
  bookmark(): number {
    let sent = 0;
    for (const watch of this.watches) {
      if (!watch.bookmarks) continue;
      const object = { kind: KIND_OF[watch.kind], apiVersion: GROUP_PATH[watch.kind].replace(/^apis?\//, ''), metadata: { resourceVersion: String(this.rv) } };
      watch.res.write(`${JSON.stringify({ type: 'BOOKMARK', object })}\n`);
      sent++;
    }
    return sent;
  }

  /** Ends every open watch with an ERROR event carrying a 410 Status, as the real server does. */
  expireWatches(): void {
    for (const watch of [...this.watches]) {
      this.sendGone(watch.res, 'watch expired');
      this.closeWatch(watch);
    }
  }

  /** Cuts every open watch connection mid-stream (no final chunk). */
  dropWatches(): void {
    for (const watch of [...this.watches]) {
      this.watches.delete(watch);
      clearTimeout(watch.timer);
      watch.res.socket?.destroy();
    }
  }

  openWatches(kind?: FakeKind): number {
    return [...this.watches].filter((w) => kind === undefined || w.kind === kind).length;
  }

  /** The API server goes away: the port refuses connections and open ones are cut. */
  async goDown(): Promise<void> {
    this.dropWatches();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  /** The API server comes back on the same port, with its state. */
  async comeBack(): Promise<void> {
    await this.listen(this.port);
  }

  async close(): Promise<void> {
    if (this.server.listening) await this.goDown();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        const address = this.server.address();
        if (address && typeof address === 'object') this.port = address.port;
        resolve();
      });
    });
  }

  private record(kind: FakeKind, type: EventType, object: KubeObject): void {
    const event: HistoryEvent = { rv: this.rv, kind, type, object };
    this.history.push(event);
    for (const watch of this.watches) {
      if (watch.kind === kind && this.inNamespace(watch.namespace, object) && selects(watch.selector, object)) this.sendEvent(watch.res, event);
    }
  }

  private inNamespace(namespace: string | undefined, object: KubeObject): boolean {
    return namespace === undefined || object.metadata.namespace === namespace;
  }

  private sendEvent(res: ServerResponse, event: HistoryEvent): void {
    res.write(`${JSON.stringify({ type: event.type, object: event.object })}\n`);
  }

  private sendGone(res: ServerResponse, why: string): void {
    const object = status(410, 'Expired', `too old resource version: ${why}`);
    res.write(`${JSON.stringify({ type: 'ERROR', object })}\n`);
  }

  private reply(res: ServerResponse, code: number, body: unknown): void {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      this.reply(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
      return;
    }
    const route = this.route(url.pathname);
    if (req.method !== 'GET' || !route) {
      this.reply(res, 404, status(404, 'NotFound', `the server could not find the requested resource (${url.pathname})`));
      return;
    }
    const watch = ['true', '1'].includes(url.searchParams.get('watch') ?? '');
    this.requests.push({ kind: route.kind, watch, query: url.searchParams });
    if (route.name !== undefined) this.get(res, route.kind, route.namespace, route.name);
    else if (watch) this.watch(req, res, route.kind, route.namespace, url.searchParams);
    else this.list(res, route.kind, route.namespace, url.searchParams);
  }

  private route(path: string): { kind: FakeKind; namespace?: string; name?: string } | undefined {
    const parts = path.split('/').filter((p) => p !== '');
    const group = parts[0] === 'api' ? parts.slice(0, 2).join('/') : parts.slice(0, 3).join('/');
    const rest = parts.slice(group.split('/').length);
    const served = (kind: string): kind is FakeKind => kind in KIND_OF && GROUP_PATH[kind as FakeKind] === group;
    if (rest[0] === 'namespaces' && rest.length >= 3 && served(rest[2]!) && NAMESPACED[rest[2]]) {
      return { kind: rest[2], namespace: rest[1], name: rest[3] };
    }
    if (rest.length >= 1 && rest.length <= 2 && served(rest[0]!)) {
      return { kind: rest[0], name: rest[1] };
    }
    return undefined;
  }

  private get(res: ServerResponse, kind: FakeKind, namespace: string | undefined, name: string): void {
    const object = this.objects[kind].get(`${namespace ?? ''}/${name}`);
    if (object) this.reply(res, 200, object);
    else this.reply(res, 404, status(404, 'NotFound', `${kind} "${name}" not found`));
  }

  private list(res: ServerResponse, kind: FakeKind, namespace: string | undefined, query: URLSearchParams): void {
    let page: { rv: number; items: KubeObject[] };
    const token = query.get('continue');
    if (token) {
      const saved = this.continues.get(token);
      if (!saved || saved.rv < this.oldestRv) {
        this.reply(res, 410, status(410, 'Expired', 'the provided continue parameter is too old'));
        return;
      }
      this.continues.delete(token);
      page = saved;
    } else {
      const selector = parseSelector(query);
      const items = [...this.objects[kind].values()].filter((o) => this.inNamespace(namespace, o) && selects(selector, o));
      page = { rv: this.rv, items: structuredClone(items) };
    }
    const limit = Number(query.get('limit') ?? '0');
    const items = limit > 0 ? page.items.slice(0, limit) : page.items;
    const metadata: Record<string, string> = { resourceVersion: String(page.rv) };
    if (items.length < page.items.length) {
      const next = `c${this.continues.size}-${Math.random().toString(36).slice(2)}`;
      this.continues.set(next, { rv: page.rv, items: page.items.slice(items.length) });
      metadata.continue = next;
    }
    this.reply(res, 200, { kind: `${KIND_OF[kind]}List`, apiVersion: GROUP_PATH[kind].replace(/^apis?\//, ''), metadata, items });
  }

  private watch(
    req: IncomingMessage,
    res: ServerResponse,
    kind: FakeKind,
    namespace: string | undefined,
    query: URLSearchParams,
  ): void {
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    const from = query.get('resourceVersion') ?? '';
    if (from !== '' && from !== '0' && Number(from) < this.oldestRv) {
      this.sendGone(res, `${from} (${this.oldestRv})`);
      res.end();
      return;
    }
    const selector = parseSelector(query);
    const watch: OpenWatch = {
      kind,
      namespace,
      selector,
      bookmarks: query.get('allowWatchBookmarks') === 'true',
      res,
      timer: undefined,
    };
    if (from === '' || from === '0') {
      for (const object of this.objects[kind].values()) {
        if (this.inNamespace(namespace, object) && selects(selector, object)) this.sendEvent(res, { rv: 0, kind, type: 'ADDED', object });
      }
    } else {
      for (const event of this.history) {
        if (event.kind === kind && event.rv > Number(from) && this.inNamespace(namespace, event.object) && selects(selector, event.object)) {
          this.sendEvent(res, event);
        }
      }
    }
    const timeoutSeconds = Number(query.get('timeoutSeconds') ?? '0');
    if (timeoutSeconds > 0) watch.timer = setTimeout(() => this.closeWatch(watch), timeoutSeconds * 1000);
    this.watches.add(watch);
    req.on('close', () => {
      clearTimeout(watch.timer);
      this.watches.delete(watch);
    });
  }

  private closeWatch(watch: OpenWatch): void {
    clearTimeout(watch.timer);
    this.watches.delete(watch);
    watch.res.end();
  }
}

/** A pod as the API server would hold it once scheduled and running. */
export function fakePod(options: {
  name: string;
  namespace: string;
  ip?: string;
  ips?: string[];
  nodeName?: string;
  labels?: Record<string, string>;
  owner?: { kind: string; name: string };
  generateName?: string;
  hostNetwork?: boolean;
  phase?: string;
  serviceAccount?: string;
}): KubeObject {
  const ips = options.ips ?? (options.ip ? [options.ip] : []);
  return {
    metadata: {
      name: options.name,
      namespace: options.namespace,
      labels: options.labels ?? {},
      ...(options.generateName ? { generateName: options.generateName } : {}),
      ...(options.owner
        ? {
            ownerReferences: [
              { apiVersion: 'apps/v1', kind: options.owner.kind, name: options.owner.name, uid: 'owner-uid', controller: true },
            ],
          }
        : {}),
    },
    spec: {
      nodeName: options.nodeName ?? 'node-a',
      serviceAccountName: options.serviceAccount ?? 'default',
      hostNetwork: options.hostNetwork ?? false,
      containers: [{ name: 'main', image: 'example/main:1' }],
    },
    status: {
      phase: options.phase ?? 'Running',
      ...(ips.length > 0 ? { podIP: ips[0], podIPs: ips.map((ip) => ({ ip })) } : {}),
    },
  };
}

export function fakeNamespace(name: string, labels: Record<string, string> = {}): KubeObject {
  return { metadata: { name, labels: { 'kubernetes.io/metadata.name': name, ...labels } }, spec: {}, status: { phase: 'Active' } };
}

export function fakeNode(name: string, addresses: { type: string; address: string }[]): KubeObject {
  return {
    metadata: { name, labels: { 'kubernetes.io/hostname': name } },
    spec: {},
    status: { addresses },
  };
}

/** Polls until the client under test has caught up with the fake server (generous deadline, no timing claims). */
export async function waitUntil(what: string, condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** An EndpointSlice of a Service, as the endpoint slice controller (or, for `kubernetes`, the API server) writes it. */
export function fakeEndpointSlice(options: { name: string; namespace: string; service: string; addressType: 'IPv4' | 'IPv6' | 'FQDN'; addresses: string[] }): KubeObject {
  return {
    metadata: { name: options.name, namespace: options.namespace, labels: { 'kubernetes.io/service-name': options.service } },
    addressType: options.addressType,
    endpoints: options.addresses.map((address) => ({ addresses: [address], conditions: { ready: true } })),
    ports: [{ name: 'https', port: 6443, protocol: 'TCP' }],
  };
}

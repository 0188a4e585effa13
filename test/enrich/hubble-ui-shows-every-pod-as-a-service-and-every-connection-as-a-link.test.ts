import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { assignIdentities, labelSetText } from '../../src/enrich/label-set-identities.js';
import type { Endpoint, Flow } from '../../src/proto/flow.js';
import { hubbleProtos } from '../../src/proto/load.js';
import { ping, tcpExchange, udpExchange } from '../capture/pod-traffic.js';
import type { PrivilegeWrapper } from '../helpers/agent-cli.js';
import { isolatedAgentFlags, startAgentProcess } from '../helpers/agent-process.js';
import { createBridgedNetwork, type BridgedHost, type BridgedNetwork } from '../helpers/bridged-hosts.js';
import { FakeKubeApi, fakeNamespace, fakeNode, fakePod } from '../helpers/fake-kube-api.js';
import { collect, waitFor } from '../server/tls-fixture.js';

// The whole agent as a process, enriching from a Kubernetes API, captures real traffic between
// pods of one node, the node itself, another node and an outside host; the test then does with
// the flows what Hubble UI's backend does with those it receives from the relay
// (cilium/hubble-ui backend/server/get-flows.go, domain/service/service.go,
// domain/labels/labels.go, domain/link/link.go) and looks at the service map it would draw.

// --- What the UI backend does ---------------------------------------------------------------

const NORMALIZED_PREFIXES = ['k8s:', 'io.kubernetes.pod.', 'app.kubernetes.io/'];
const APP_KEYS = new Set(['app', 'name', 'functionName', 'k8s-app']);
const UI_PROTOCOL: Record<string, string> = { TCP: 'TCP', UDP: 'UDP', ICMPv4: 'ICMP_V4', ICMPv6: 'ICMP_V6' };

function normalizedKey(label: string): string {
  const key = label.split('=', 1)[0]!;
  return NORMALIZED_PREFIXES.reduce((k, prefix) => k.replaceAll(prefix, ''), key);
}

/** labels.Props: the world by its reserved label; the app name by the first app-like key. */
function labelProps(labels: readonly string[]): { isWorld: boolean; appName: string | undefined } {
  let appName: string | undefined;
  for (const label of labels) {
    if (appName === undefined && APP_KEYS.has(normalizedKey(label))) appName = label.slice(label.indexOf('=') + 1);
  }
  return { isWorld: labels.some((label) => normalizedKey(label) === 'reserved:world'), appName };
}

/** getServiceId: the numeric identity, except for the world (by side, or by DNS name). */
function serviceId(endpoint: Endpoint | undefined, names: readonly string[] | undefined, receiver: boolean): string {
  if (!labelProps(endpoint?.labels ?? []).isWorld) return String(endpoint?.identity ?? 0);
  const side = receiver ? 'receiver' : 'sender';
  return names && names.length > 0 ? `${names[0]}-${side}` : `world-${side}`;
}

interface UiService {
  name: string;
  namespace: string;
  identity: number;
}

interface ServiceMap {
  services: Map<string, UiService>;
  links: Set<string>;
  droppedForZeroIdentity: number;
}

/** GetFlows drops flows with a zero identity at either end; the rest become services and links. */
function serviceMap(flows: readonly Flow[]): ServiceMap {
  const map: ServiceMap = { services: new Map(), links: new Set(), droppedForZeroIdentity: 0 };
  for (const flow of flows) {
    const sourceId = serviceId(flow.source, flow.source_names, false);
    const destinationId = serviceId(flow.destination, flow.destination_names, true);
    if (sourceId === '0' || destinationId === '0') {
      map.droppedForZeroIdentity++;
      continue;
    }
    for (const [id, endpoint] of [[sourceId, flow.source], [destinationId, flow.destination]] as const) {
      if (!map.services.has(id)) {
        map.services.set(id, { name: labelProps(endpoint?.labels ?? []).appName ?? id, namespace: endpoint?.namespace ?? '', identity: endpoint?.identity ?? 0 });
      }
    }
    if (flow.l4 === undefined || flow.source === undefined || flow.destination === undefined) continue;
    const protocol = Object.keys(flow.l4).find((key) => key in UI_PROTOCOL);
    const port = flow.l4.TCP?.destination_port ?? flow.l4.UDP?.destination_port ?? 0;
    map.links.add(`${sourceId} ${protocol ? UI_PROTOCOL[protocol] : 'UNKNOWN_IP_PROTOCOL'} ${destinationId}:${port}`);
  }
  return map;
}

// --- The cluster --------------------------------------------------------------------------

const NAMESPACE = 'shop';
const PORT_BASE = 30_000 + (process.pid % 10_000);

interface Response {
  flow?: Flow;
}

/** What the UI asks the relay for in a namespace view: flows from or to the namespace's pods. */
async function namespaceFlows(port: number): Promise<Flow[]> {
  const client = new hubbleProtos.observer.Observer(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  try {
    const stream = collect<Response>(client, 'GetFlows', {
      number: 10_000,
      whitelist: [{ source_pod: [`${NAMESPACE}/`] }, { destination_pod: [`${NAMESPACE}/`] }],
    });
    await waitFor('GetFlows to end', () => stream.ended !== undefined);
    expect(stream.ended!.code, stream.ended!.details).toBe(grpc.status.OK);
    return stream.received.flatMap((r) => (r.flow ? [r.flow] : []));
  } finally {
    client.close();
  }
}

function pod(name: string, host: BridgedHost, app: string): ReturnType<typeof fakePod> {
  return fakePod({ name, namespace: NAMESPACE, ips: [host.ip, host.ip6], nodeName: 'node-a', labels: { app, 'pod-template-hash': name } });
}

const CASES: [PrivilegeWrapper, 'tracer' | 'base'][] = [
  ['root', 'tracer'],
  ['setprivNoBpf', 'base'],
];

describe.each(CASES)('Hubble UI over the agent as %s (%s mode)', (wrapper, mode) => {
  it('finds every pod as a service and every connection as a link, by stable identities; host, remote-node and world where they apply', async () => {
    const net: BridgedNetwork = createBridgedNetwork(['web-1', 'web-2', 'db', 'node-b', 'outside']);
    const api = await FakeKubeApi.start();
    try {
      const { 'web-1': web1, 'web-2': web2, db, 'node-b': nodeB, outside } = net.hosts as Record<string, BridgedHost>;
      api.apply('namespaces', fakeNamespace(NAMESPACE));
      api.apply('nodes', fakeNode('node-a', [{ type: 'InternalIP', address: net.node.ip }]));
      api.apply('nodes', fakeNode('node-b', [{ type: 'InternalIP', address: nodeB!.ip }, { type: 'InternalIP', address: nodeB!.ip6 }]));
      // Two replicas with the same labels (pod-template-hash is no identity label), and a database.
      api.apply('pods', pod('web-1', web1!, 'web'));
      api.apply('pods', pod('web-2', web2!, 'web'));
      api.apply('pods', pod('db', db!, 'db'));

      const agent = await startAgentProcess(
        [
          ...isolatedAgentFlags(),
          '--interfaces', net.hostInterfaces.join(','),
          '--node-name', 'node-a',
          '--cluster-name', 'test',
          '--kubernetes-enrich',
          '--kubeconfig', api.kubeconfigPath,
          '--peers-source', 'kubernetes',
        ],
        { wrapper },
      );
      try {
        expect(agent.modeLine.mode).toBe(mode);
        await tcpExchange(net.pair(web1!, db!), db!.ip, 5432, PORT_BASE + 1);
        await tcpExchange(net.pair(web2!, db!), db!.ip6, 5432, PORT_BASE + 2);
        await ping(net.pair(web2!, db!), db!.ip);
        await tcpExchange(net.pair(net.node, web1!), web1!.ip, 8081, PORT_BASE + 3);
        await tcpExchange(net.pair(nodeB!, web2!), web2!.ip, 8081, PORT_BASE + 4);
        await udpExchange(net.pair(outside!, db!), db!.ip6, 5300, PORT_BASE + 5);
        await tcpExchange(net.pair(web1!, outside!), outside!.ip, 8443, PORT_BASE + 6);

        const request = (flow: Flow): boolean => flow.is_reply?.value !== true && !(flow.l4?.ICMPv6 && flow.l4.ICMPv6.type !== 128);
        let flows: Flow[] = [];
        let ui = serviceMap([]);
        const expectedLinks = (): string[] => {
          const id = (ip: string): string => String(flows.find((f) => f.IP?.source === ip)?.source?.identity ?? '?');
          const [web, database] = [id(web1!.ip), id(db!.ip)];
          return [
            `${web} TCP ${database}:5432`,
            `${web} ICMP_V4 ${database}:0`,
            `1 TCP ${web}:8081`,
            `6 TCP ${web}:8081`,
            `world-sender UDP ${database}:5300`,
            `${web} TCP world-receiver:8443`,
          ];
        };
        await waitFor('every connection in the service map', async () => {
          flows = await namespaceFlows(agent.grpcPort);
          ui = serviceMap(flows.filter(request));
          return expectedLinks().every((link) => ui.links.has(link));
        }, 60_000).catch(() => {
          throw new Error(`links missing: ${expectedLinks().filter((link) => !ui.links.has(link)).join('; ')}; have: ${[...ui.links].join('; ')}`);
        });

        // Nothing the UI received is dropped for a zero identity, replies included.
        expect(serviceMap(flows).droppedForZeroIdentity).toBe(0);
        for (const flow of flows) {
          expect(flow.source?.identity, JSON.stringify(flow)).toBeGreaterThan(0);
          expect(flow.destination?.identity, JSON.stringify(flow)).toBeGreaterThan(0);
        }

        // The same identity for an address in every flow, at either end, over IPv4 and IPv6.
        const identities = new Map<string, Set<number>>();
        for (const flow of flows) {
          for (const [ip, end] of [[flow.IP?.source, flow.source], [flow.IP?.destination, flow.destination]] as const) {
            if (ip === undefined) continue;
            if (!identities.has(ip)) identities.set(ip, new Set());
            identities.get(ip)!.add(end!.identity!);
          }
        }
        const identityOf = (ip: string): number => {
          const seen = [...(identities.get(ip) ?? [])];
          expect(seen, ip).toHaveLength(1);
          return seen[0]!;
        };
        const web = identityOf(web1!.ip);
        const database = identityOf(db!.ip);
        expect([identityOf(web2!.ip), identityOf(web2!.ip6)]).toEqual([web, web]);
        expect(identityOf(db!.ip6)).toBe(database);
        expect(database).not.toBe(web);

        // The numbers any agent derives from these label sets: stable across restarts and nodes.
        const labelsOf = (ip: string): string[] => flows.find((f) => f.IP?.source === ip)!.source!.labels!;
        const derived = assignIdentities([labelsOf(web1!.ip), labelsOf(db!.ip)].map(labelSetText));
        expect([web, database]).toEqual([derived.get(labelSetText(labelsOf(web1!.ip))), derived.get(labelSetText(labelsOf(db!.ip)))]);
        expect(labelsOf(web1!.ip)).toEqual(labelsOf(web2!.ip));

        // Reserved identities with their labels, as the UI and `hubble observe` read them.
        const endOf = (ip: string): Endpoint => {
          const flow = flows.find((f) => f.IP?.source === ip) ?? flows.find((f) => f.IP?.destination === ip)!;
          return flow.IP?.source === ip ? flow.source! : flow.destination!;
        };
        expect(endOf(net.node.ip)).toEqual({ identity: 1, labels: ['reserved:host'] });
        expect(endOf(nodeB!.ip)).toEqual({ identity: 6, labels: ['reserved:remote-node'] });
        expect(endOf(outside!.ip)).toEqual({ identity: 2, labels: ['reserved:world'] });
        expect(endOf(outside!.ip6)).toEqual({ identity: 2, labels: ['reserved:world'] });

        // The services the map draws: one per pod identity (both replicas in "web"), the node,
        // the other node, and the world on each side.
        const services = Object.fromEntries([...ui.services].map(([id, service]) => [id, service.name]));
        expect(services).toEqual({
          [String(web)]: 'web',
          [String(database)]: 'db',
          '1': '1',
          '6': '6',
          'world-sender': 'world-sender',
          'world-receiver': 'world-receiver',
        });
        expect(ui.services.get(String(web))).toMatchObject({ namespace: NAMESPACE, identity: web });
        // Every link of a request flow is one of the connections made.
        expect([...ui.links].sort()).toEqual(expectedLinks().sort());

        // Two label sets in use, neither moved by a collision.
        const metrics = await (await fetch(`http://127.0.0.1:${agent.metricsPort}/metrics`)).text();
        expect(metrics).toMatch(/^flowlens_kubernetes_identities 2$/m);
        expect(metrics).toMatch(/^flowlens_kubernetes_identities_displaced 0$/m);
      } finally {
        expect(await agent.stop()).toBe(0);
      }
    } finally {
      await api.close();
      net.cleanup();
    }
  }, 180_000);
});

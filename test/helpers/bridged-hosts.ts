import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { PodPair } from './netns.js';

// A node with several hosts in miniature: one network namespace per host, each with a veth
// whose host side is on one bridge, and the bridge itself holding an address of the node
// (the root namespace), so the node can talk to its hosts as a kubelet talks to its pods.
// Addresses are in 198.19.0.0/16 and fd00::/8; a /24 (and /64) picked at random per network.

/** The root namespace: commands for it run without nsenter. */
export const NODE_NAMESPACE = '';

export interface BridgedHost {
  /** '' for the node itself. */
  ns: string;
  ip: string;
  ip6: string;
  /** The host side of its veth ('' for the node). */
  hostIf: string;
}

export interface BridgedNetwork {
  bridge: string;
  /** The node (root namespace) on the bridge. */
  node: BridgedHost;
  hosts: Record<string, BridgedHost>;
  /** The host sides of every veth, for the agent to capture on. */
  hostInterfaces: string[];
  /** The pod-traffic helpers' view of a client and a server (A is the client, B the server). */
  pair(client: BridgedHost, server: BridgedHost): PodPair;
  cleanup(): void;
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function quietly(fn: () => void): void {
  try {
    fn();
  } catch {
    // already gone
  }
}

function inNamespace(ns: string, argv: readonly string[]): readonly string[] {
  return ns === NODE_NAMESPACE ? argv : ['nsenter', `--net=/var/run/netns/${ns}`, '--', ...argv];
}

/** Creates the bridge, its node address and one namespace per name; always pair with cleanup() in finally. */
export function createBridgedNetwork(names: readonly string[]): BridgedNetwork {
  const id = randomBytes(3).toString('hex');
  const subnet = parseInt(id.slice(0, 2), 16);
  const bridge = `flub${id}`;
  const hosts: Record<string, BridgedHost> = {};
  names.forEach((name, i) => {
    hosts[name] = { ns: `flu${i}${id}`, ip: `198.19.${subnet}.${i + 1}`, ip6: `fd00:1919:${subnet}::${i + 1}`, hostIf: `flu${i}h${id}` };
  });
  const node: BridgedHost = { ns: NODE_NAMESPACE, ip: `198.19.${subnet}.254`, ip6: `fd00:1919:${subnet}::fe`, hostIf: '' };
  const network: BridgedNetwork = {
    bridge,
    node,
    hosts,
    hostInterfaces: Object.values(hosts).map((host) => host.hostIf),
    pair: (client, server) => {
      const run = (ns: string, argv: string[], input?: string): string => {
        const [command, ...args] = inNamespace(ns, argv);
        return execFileSync(command!, args, { encoding: 'utf8', input, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], timeout: 30_000 });
      };
      return {
        nsA: client.ns,
        nsB: server.ns,
        hostIfA: client.hostIf,
        hostIfB: server.hostIf,
        bridge,
        ipA: client.ip,
        ipB: server.ip,
        ip6A: client.ip6,
        ip6B: server.ip6,
        exec: run,
        spawn: (ns, argv) => {
          const [command, ...args] = inNamespace(ns, argv);
          return spawn(command!, args, { stdio: 'pipe' });
        },
        cleanup: () => {},
      };
    },
    cleanup: () => {
      for (const host of Object.values(hosts)) {
        quietly(() => ip('netns', 'del', host.ns));
        quietly(() => ip('link', 'del', host.hostIf));
      }
      quietly(() => ip('link', 'del', bridge));
    },
  };
  try {
    ip('link', 'add', bridge, 'type', 'bridge');
    ip('addr', 'add', `${node.ip}/24`, 'dev', bridge);
    ip('addr', 'add', `${node.ip6}/64`, 'dev', bridge, 'nodad');
    ip('link', 'set', bridge, 'up');
    for (const host of Object.values(hosts)) {
      ip('netns', 'add', host.ns);
      ip('link', 'add', host.hostIf, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', host.ns);
      ip('link', 'set', host.hostIf, 'master', bridge);
      ip('link', 'set', host.hostIf, 'up');
      ip('-n', host.ns, 'link', 'set', 'lo', 'up');
      ip('-n', host.ns, 'addr', 'add', `${host.ip}/24`, 'dev', 'eth0');
      ip('-n', host.ns, 'addr', 'add', `${host.ip6}/64`, 'dev', 'eth0', 'nodad');
      ip('-n', host.ns, 'link', 'set', 'eth0', 'up');
    }
    return network;
  } catch (err) {
    network.cleanup();
    throw err;
  }
}

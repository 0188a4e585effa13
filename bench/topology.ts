import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';

// A node in miniature, as in the tests: two pod namespaces whose veths meet on a bridge on
// the host side. The agent attaches to the host-side veths; traffic runs only between
// addresses inside the two namespaces.

export interface PodPair {
  nsA: string;
  nsB: string;
  hostIfA: string;
  hostIfB: string;
  bridge: string;
  ipA: string;
  ipB: string;
  /** Starts a command inside a namespace. */
  spawn(ns: string, argv: string[]): ChildProcess;
  cleanup(): void;
}

// Per-namespace settings for a connection flood: a deep accept queue on the server side,
// every port usable as a source port on the client side, and no IPv6 chatter in the counts.
const NO_IPV6 = 'net.ipv6.conf.all.disable_ipv6=1';
const SERVER_SYSCTLS = ['net.core.somaxconn=65535', 'net.ipv4.tcp_max_syn_backlog=65535', NO_IPV6];
const CLIENT_SYSCTLS = ['net.ipv4.ip_local_port_range=1024 65535', NO_IPV6];

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function sysctl(ns: string, settings: readonly string[]): void {
  execFileSync('nsenter', [`--net=/var/run/netns/${ns}`, '--', 'sysctl', '-q', '-w', ...settings], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Our own host-side links send no IPv6 router solicitations into the counts either. */
function hostIpv6Off(link: string): void {
  writeFileSync(`/proc/sys/net/ipv6/conf/${link}/disable_ipv6`, '1');
}

function quietly(fn: () => void): void {
  try {
    fn();
  } catch {
    // already gone
  }
}

/** Creates both namespaces, the veths and the bridge; pair with cleanup() in finally. */
export function createPodPair(): PodPair {
  const id = randomBytes(3).toString('hex');
  // A random /24 of 198.19.128.0/17 (benchmarking range, RFC 2544): apart from the tests'
  // pod pairs in 198.18.0.0/16, so a bench run next to the tests shares no subnet with them.
  const subnet = 128 + (parseInt(id.slice(0, 2), 16) % 120);
  const pair: PodPair = {
    nsA: `fbka${id}`,
    nsB: `fbkb${id}`,
    hostIfA: `fbha${id}`,
    hostIfB: `fbhb${id}`,
    bridge: `fbbr${id}`,
    ipA: `198.19.${subnet}.1`,
    ipB: `198.19.${subnet}.2`,
    spawn: (ns, argv) => spawn('nsenter', [`--net=/var/run/netns/${ns}`, '--', ...argv], { stdio: ['ignore', 'pipe', 'pipe'] }),
    cleanup: () => {
      quietly(() => ip('netns', 'del', pair.nsA));
      quietly(() => ip('netns', 'del', pair.nsB));
      quietly(() => ip('link', 'del', pair.hostIfA));
      quietly(() => ip('link', 'del', pair.hostIfB));
      quietly(() => ip('link', 'del', pair.bridge));
    },
  };
  try {
    ip('netns', 'add', pair.nsA);
    ip('netns', 'add', pair.nsB);
    ip('link', 'add', pair.bridge, 'type', 'bridge');
    hostIpv6Off(pair.bridge);
    ip('link', 'set', pair.bridge, 'up');
    for (const [ns, hostIf, v4] of [
      [pair.nsA, pair.hostIfA, pair.ipA],
      [pair.nsB, pair.hostIfB, pair.ipB],
    ] as const) {
      ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
      hostIpv6Off(hostIf);
      ip('link', 'set', hostIf, 'master', pair.bridge);
      ip('link', 'set', hostIf, 'up');
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      ip('-n', ns, 'addr', 'add', `${v4}/24`, 'dev', 'eth0');
      ip('-n', ns, 'link', 'set', 'eth0', 'up');
    }
    sysctl(pair.nsB, SERVER_SYSCTLS);
    sysctl(pair.nsA, CLIENT_SYSCTLS);
    return pair;
  } catch (err) {
    pair.cleanup();
    throw err;
  }
}

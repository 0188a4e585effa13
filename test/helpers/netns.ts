import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';

// A node in miniature: two pod namespaces whose veths meet on a bridge in the test's
// own host-side view. Addresses exist only inside the namespaces; the agent attaches
// to the host-side veths (hostIfA/hostIfB), like a node agent on pod veths.
export interface PodPair {
  nsA: string;
  nsB: string;
  hostIfA: string;
  hostIfB: string;
  bridge: string;
  ipA: string;
  ipB: string;
  ip6A: string;
  ip6B: string;
  /** Runs a command inside a namespace and returns its stdout. */
  exec(ns: string, argv: string[], input?: string): string;
  /** Starts a long-running command inside a namespace. */
  spawn(ns: string, argv: string[]): ChildProcess;
  cleanup(): void;
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function tryQuiet(fn: () => void): void {
  try {
    fn();
  } catch {
    // cleanup of something already gone
  }
}

/** Creates the two namespaces, veths and bridge; always pair with cleanup() in finally. */
export function createPodPair(): PodPair {
  const id = randomBytes(3).toString('hex');
  // A random /24 of 198.18.0.0/16 (benchmarking range, RFC 2544), so that pairs of tests
  // running at the same time rarely share a subnet; 198.18.0.0/24 is left to fixtures.
  const subnet = 1 + (parseInt(id.slice(0, 2), 16) % 250);
  const pair: PodPair = {
    nsA: `fla${id}`,
    nsB: `flb${id}`,
    hostIfA: `fha${id}`,
    hostIfB: `fhb${id}`,
    bridge: `flbr${id}`,
    ipA: `198.18.${subnet}.1`,
    ipB: `198.18.${subnet}.2`,
    ip6A: `fd00:213:${subnet}::1`,
    ip6B: `fd00:213:${subnet}::2`,
    exec: (ns, argv, input) =>
      execFileSync('nsenter', [`--net=/var/run/netns/${ns}`, '--', ...argv], {
        encoding: 'utf8',
        input,
        stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
        timeout: 30_000,
      }),
    spawn: (ns, argv) => spawn('nsenter', [`--net=/var/run/netns/${ns}`, '--', ...argv], { stdio: 'pipe' }),
    cleanup: () => {
      tryQuiet(() => ip('netns', 'del', pair.nsA));
      tryQuiet(() => ip('netns', 'del', pair.nsB));
      tryQuiet(() => ip('link', 'del', pair.hostIfA));
      tryQuiet(() => ip('link', 'del', pair.hostIfB));
      tryQuiet(() => ip('link', 'del', pair.bridge));
    },
  };
  try {
    ip('netns', 'add', pair.nsA);
    ip('netns', 'add', pair.nsB);
    ip('link', 'add', pair.bridge, 'type', 'bridge');
    ip('link', 'set', pair.bridge, 'up');
    for (const [ns, hostIf, v4, v6] of [
      [pair.nsA, pair.hostIfA, pair.ipA, pair.ip6A],
      [pair.nsB, pair.hostIfB, pair.ipB, pair.ip6B],
    ] as const) {
      ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
      ip('link', 'set', hostIf, 'master', pair.bridge);
      ip('link', 'set', hostIf, 'up');
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      ip('-n', ns, 'addr', 'add', `${v4}/24`, 'dev', 'eth0');
      ip('-n', ns, 'addr', 'add', `${v6}/64`, 'dev', 'eth0', 'nodad');
      ip('-n', ns, 'link', 'set', 'eth0', 'up');
    }
    return pair;
  } catch (err) {
    pair.cleanup();
    throw err;
  }
}

export function ifindexOf(name: string): number {
  return Number(execFileSync('cat', [`/sys/class/net/${name}/ifindex`], { encoding: 'utf8' }).trim());
}

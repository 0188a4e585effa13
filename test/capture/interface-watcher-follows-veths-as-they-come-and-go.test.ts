import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { captureSession, sessionConfig, until } from './capture-session.js';

// A pod appears after the agent started: its host-side veth must be attached within
// seconds and its traffic seen; when the pod goes, the veth is released without error.

const ATTACH_WITHIN_MS = 5_000;

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

describe('interface watcher', () => {
  it('attaches a veth created after start, sees its traffic, releases it when deleted', async () => {
    const id = randomBytes(3).toString('hex');
    const ns = `flw${id}`;
    const hostIf = `flw${id}h`;
    // 198.19.1-120.0/24: apart from the pod pairs' 198.18.0.0/16 and the benchmarks' subnets.
    const subnet = 1 + (parseInt(id.slice(0, 2), 16) % 120);
    const session = captureSession(sessionConfig('tracer'), [`flw${id}*`]);
    try {
      await session.source.start();
      expect(session.source.attachedInterfaces()).toEqual([]);

      ip('netns', 'add', ns);
      ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
      ip('link', 'set', hostIf, 'up');
      ip('-n', ns, 'addr', 'add', `198.19.${subnet}.1/24`, 'dev', 'eth0');
      ip('-n', ns, 'link', 'set', 'eth0', 'up');
      // Nothing answers on the other side: a fixed neighbour lets datagrams leave anyway.
      ip('-n', ns, 'neigh', 'add', `198.19.${subnet}.2`, 'lladdr', '02:00:00:00:00:02', 'dev', 'eth0');

      const attached = await until('the new veth to be attached', () => session.source.attachedInterfaces().find((i) => i.name === hostIf), ATTACH_WITHIN_MS);
      expect(attached.role).toBe('endpoint');

      const send = `import dgram from 'node:dgram'; const s = dgram.createSocket('udp4'); s.send('x', 9999, '198.19.${subnet}.2', () => s.close());`;
      const flow = await until('a flow from the new pod', () => {
        execFileSync('nsenter', [`--net=/var/run/netns/${ns}`, '--', process.execPath, '--input-type=module', '-e', send]);
        return session.flows.find((f) => f.interface?.name === hostIf && f.l4?.UDP?.destination_port === 9999);
      });
      expect(flow.trace_observation_point).toBe('FROM_ENDPOINT');
      expect(flow.IP?.source).toBe(`198.19.${subnet}.1`);

      ip('link', 'del', hostIf);
      await until('the deleted veth to be released', () => session.source.attachedInterfaces().length === 0, ATTACH_WITHIN_MS);
      expect(session.source.stats().errors).toBe(0);
      expect(session.source.stats().attachedInterfaces).toBe(0);
    } finally {
      await session.source.stop();
      quietly(() => ip('link', 'del', hostIf));
      quietly(() => ip('netns', 'del', ns));
    }
  });

  it('keeps working while veths vanish between listing and attaching', async () => {
    const id = randomBytes(3).toString('hex');
    const session = captureSession(sessionConfig('tracer'), [`flx${id}*`], 5);
    const CHURN_ROUNDS = 40;
    try {
      await session.source.start();
      for (let round = 0; round < CHURN_ROUNDS; round++) {
        ip('link', 'add', `flx${id}a`, 'type', 'veth', 'peer', 'name', `flx${id}b`);
        await new Promise((resolve) => setTimeout(resolve, round % 10));
        ip('link', 'del', `flx${id}a`);
      }
      await until('every churned veth to be released', () => session.source.attachedInterfaces().length === 0);
      // Vanishing before the attach is churn, not failure.
      expect(session.source.stats().errors).toBe(0);
      const pollBefore = session.source.stats().lastPollAtMs;
      await until('the poll loop to keep running', () => session.source.stats().lastPollAtMs > pollBefore);
    } finally {
      await session.source.stop();
      quietly(() => ip('link', 'del', `flx${id}a`));
    }
  });
});

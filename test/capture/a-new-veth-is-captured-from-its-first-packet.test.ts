import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { captureSession, sessionConfig, until } from './capture-session.js';

// The capture thread hears of a new interface from rtnetlink and the watcher attaches it at
// once, without waiting for its next scan (an hour away here): the first datagram a new pod
// sends, right after its veth was configured, is captured.

const NO_SCAN_MS = 3_600_000;
const PORT = 9998;
const execFileAsync = promisify(execFile);

function quietly(fn: () => void): void {
  try {
    fn();
  } catch {
    // already gone
  }
}

describe.each(['tracer', 'base'] as const)('%s capture', (mode) => {
  it('captures the first datagram of a veth created after start', async () => {
    const id = randomBytes(3).toString('hex');
    const ns = `fln${id}`;
    const hostIf = `fln${id}h`;
    const subnet = 121 + (parseInt(id.slice(0, 2), 16) % 120);
    const ip = (...args: string[]) => execFileAsync('ip', args);
    const session = captureSession(sessionConfig(mode), [hostIf], NO_SCAN_MS);
    try {
      await session.source.start();
      expect(session.source.attachedInterfaces()).toEqual([]);

      await ip('netns', 'add', ns);
      await ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
      await ip('link', 'set', hostIf, 'up');
      await ip('-n', ns, 'addr', 'add', `198.19.${subnet}.1/24`, 'dev', 'eth0');
      await ip('-n', ns, 'link', 'set', 'eth0', 'up');
      // Nothing answers on the other side: a fixed neighbour lets the datagram leave without ARP.
      await ip('-n', ns, 'neigh', 'add', `198.19.${subnet}.2`, 'lladdr', '02:00:00:00:00:02', 'dev', 'eth0');
      const send = `import dgram from 'node:dgram'; const s = dgram.createSocket('udp4'); s.send('x', ${PORT}, '198.19.${subnet}.2', () => s.close());`;
      await execFileAsync('nsenter', [`--net=/var/run/netns/${ns}`, '--', process.execPath, '--input-type=module', '-e', send]);

      const flow = await until('the first datagram', () => session.flows.find((f) => f.interface?.name === hostIf && f.l4?.UDP?.destination_port === PORT));
      expect(flow.IP?.source).toBe(`198.19.${subnet}.1`);
      expect(session.source.stats().errors).toBe(0);
    } finally {
      await session.source.stop();
      quietly(() => execFileSync('ip', ['link', 'del', hostIf], { stdio: 'ignore' }));
      quietly(() => execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' }));
    }
  });
});

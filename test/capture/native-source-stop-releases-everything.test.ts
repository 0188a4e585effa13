import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ifindexOf } from '../helpers/netns.js';
import { captureSession, sessionConfig } from './capture-session.js';

// stop() leaves no TC program of ours on the interfaces and no BPF object open in the
// process, whichever way the programs were attached; a second stop() changes nothing.

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function readOr(fn: () => string): string {
  try {
    return fn();
  } catch {
    return '';
  }
}

function ownFds(): Array<{ target: string; info: string }> {
  return readdirSync('/proc/self/fd').map((fd) => ({
    target: readOr(() => readlinkSync(`/proc/self/fd/${fd}`)),
    info: readOr(() => readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8')),
  }));
}

/** Attach types of this process's tcx links on the interface (46 ingress, 47 egress). */
function tcxLinksOn(ifindex: number): string[] {
  return ownFds()
    .filter(({ info }) => /link_type:\ttcx/.test(info) && new RegExp(`ifindex:\\t${ifindex}\\n`).test(info))
    .map(({ info }) => /attach_type:\t(\d+)/.exec(info)?.[1] ?? '?')
    .sort();
}

function bpfFds(): string[] {
  return ownFds()
    .map(({ target }) => target)
    .filter((target) => target.startsWith('anon_inode:bpf'))
    .sort();
}

function tcFilters(dev: string): string {
  return ['ingress', 'egress'].map((hook) => readOr(() => execFileSync('tc', ['filter', 'show', 'dev', dev, hook], { encoding: 'utf8' }))).join('');
}

function withVeth(run: (dev: string) => Promise<void>): Promise<void> {
  const dev = `fls${randomBytes(3).toString('hex')}`;
  ip('link', 'add', dev, 'type', 'veth', 'peer', 'name', `${dev}p`);
  return run(dev).finally(() => {
    try {
      ip('link', 'del', dev);
    } catch {
      // already gone
    }
  });
}

describe('NativeSource.stop()', () => {
  it('tcx: detaches both hooks and closes every BPF object; a second stop is harmless', () =>
    withVeth(async (dev) => {
      const before = bpfFds();
      const session = captureSession(sessionConfig('tracer', { tcAttach: 'tcx' }), [dev]);
      try {
        await session.source.start();
        expect(tcxLinksOn(ifindexOf(dev))).toEqual(['46', '47']);
        expect(bpfFds().length).toBeGreaterThan(before.length);
      } finally {
        await session.source.stop();
      }
      expect(tcxLinksOn(ifindexOf(dev))).toEqual([]);
      expect(bpfFds()).toEqual(before);
      expect(session.source.attachedInterfaces()).toEqual([]);
      await session.source.stop();
      expect(session.source.stats().errors).toBe(0);
    }));

  it('clsact: removes its filters from both hooks', () =>
    withVeth(async (dev) => {
      const session = captureSession(sessionConfig('tracer', { tcAttach: 'clsact' }), [dev]);
      try {
        await session.source.start();
        expect(tcFilters(dev)).toMatch(/fl_tc_ingress[\s\S]*fl_tc_egress/);
      } finally {
        await session.source.stop();
      }
      expect(tcFilters(dev)).not.toMatch(/fl_tc_/);
    }));

  it('a source stopped before it started never starts', () =>
    withVeth(async (dev) => {
      const before = bpfFds();
      const session = captureSession(sessionConfig('tracer'), [dev]);
      await session.source.stop();
      await session.source.start();
      expect(session.source.attachedInterfaces()).toEqual([]);
      expect(bpfFds()).toEqual(before);
    }));
});

import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createPodPair, ifindexOf } from '../helpers/netns.js';
import { NativeSession, removeStaleAttachments } from '../../src/native/binding.js';
import { startCaptureChild } from './capture-child.js';
import { TEST_SESSION } from './record-collector.js';

function tcFilters(dev: string): string {
  return ['ingress', 'egress'].map((hook) => execFileSync('tc', ['filter', 'show', 'dev', dev, hook], { encoding: 'utf8' })).join('');
}

/** Ids of BPF links (tcx) that run one of our TC programs (bpftool 7.1 does not show their interface). */
function ourTcxLinkIds(): number[] {
  const programs = JSON.parse(execFileSync('bpftool', ['-j', 'prog', 'show'], { encoding: 'utf8' })) as { id: number; name?: string }[];
  const ours = new Set(programs.filter((p) => p.name?.startsWith('fl_tc_')).map((p) => p.id));
  const links = JSON.parse(execFileSync('bpftool', ['-j', 'link', 'show'], { encoding: 'utf8' })) as { id: number; prog_id: number }[];
  return links.filter((link) => ours.has(link.prog_id)).map((link) => link.id);
}

describe('releasing TC attachments', () => {
  it.each(['clsact', 'tcx'] as const)('close() removes every %s attachment', (tcAttach) => {
    const pair = createPodPair();
    try {
      const ifindex = ifindexOf(pair.hostIfA);
      const linksBefore = new Set(ourTcxLinkIds());
      const session = NativeSession.open({ ...TEST_SESSION, tcAttach });
      let ourLinks: number[] = [];
      try {
        session.attach(ifindex);
        ourLinks = ourTcxLinkIds().filter((id) => !linksBefore.has(id));
        if (tcAttach === 'clsact') expect(tcFilters(pair.hostIfA)).toContain('fl_tc_ingress');
        else expect(ourLinks).toHaveLength(2);
        expect(session.stats().attached).toBe(1);
      } finally {
        session.close();
      }
      session.close();
      expect(tcFilters(pair.hostIfA)).not.toContain('fl_tc_');
      expect(ourTcxLinkIds().filter((id) => ourLinks.includes(id))).toEqual([]);
    } finally {
      pair.cleanup();
    }
  });

  it('clsact filters of a killed (kill -9) agent survive it and removeStaleAttachments removes them', async () => {
    const pair = createPodPair();
    try {
      const ifindexes = [ifindexOf(pair.hostIfA), ifindexOf(pair.hostIfB)];
      const child = await startCaptureChild([], ['--mode', 'tracer', '--tc-attach', 'clsact', '--attach', ifindexes.join(',')]);
      child.process.kill('SIGKILL');
      await child.exited;
      for (const dev of [pair.hostIfA, pair.hostIfB]) {
        expect(tcFilters(dev)).toContain('fl_tc_ingress');
        expect(tcFilters(dev)).toContain('fl_tc_egress');
      }
      for (const ifindex of ifindexes) removeStaleAttachments(ifindex);
      for (const dev of [pair.hostIfA, pair.hostIfB]) expect(tcFilters(dev)).not.toContain('fl_tc_');
      // Nothing left: a second pass finds nothing and still succeeds.
      for (const ifindex of ifindexes) removeStaleAttachments(ifindex);
    } finally {
      pair.cleanup();
    }
  });

  it('removeStaleAttachments leaves filters that are not ours alone', () => {
    const pair = createPodPair();
    try {
      execFileSync('tc', ['qdisc', 'add', 'dev', pair.hostIfA, 'clsact']);
      execFileSync('tc', ['filter', 'add', 'dev', pair.hostIfA, 'ingress', 'pref', '1', 'handle', '0x464c', 'bpf', 'bytecode', '1,6 0 0 4294967295,']);
      removeStaleAttachments(ifindexOf(pair.hostIfA));
      expect(tcFilters(pair.hostIfA)).toContain('handle 0x464c');
    } finally {
      pair.cleanup();
    }
  });
});

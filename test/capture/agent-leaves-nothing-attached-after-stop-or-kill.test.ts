import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isolatedAgentFlags, startAgentProcess } from '../helpers/agent-process.js';
import { createPodPair } from '../helpers/netns.js';
import { waitFor } from '../server/tls-fixture.js';

/** The BPF links a process holds (from its fd table), so other processes' links never count. */
function linksHeldBy(pid: number): number[] {
  const ids: number[] = [];
  for (const fd of readdirSync(`/proc/${pid}/fdinfo`)) {
    const info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
    const id = /^link_id:\s+(\d+)$/m.exec(info);
    if (id && /^link_type:\s+tcx$/m.test(info)) ids.push(Number(id[1]));
  }
  return ids;
}

function linksExisting(): Set<number> {
  return new Set((JSON.parse(execFileSync('bpftool', ['-j', 'link', 'show'], { encoding: 'utf8' })) as { id: number }[]).map((link) => link.id));
}

function ourFilters(dev: string): string {
  return ['ingress', 'egress']
    .map((hook) => execFileSync('tc', ['filter', 'show', 'dev', dev, hook], { encoding: 'utf8' }))
    .join('')
    .split('\n')
    .filter((line) => line.includes('fl_tc_'))
    .join('\n');
}

describe('the agent leaves nothing attached', () => {
  it('after kill -9, and after a restart and SIGTERM', async () => {
    const pair = createPodPair();
    try {
      const args = [...isolatedAgentFlags(), '--interfaces', pair.hostIfA];
      const first = await startAgentProcess(args);
      expect(first.modeLine.mode).toBe('tracer');
      const killedLinks = linksHeldBy(first.child.pid!);
      expect(killedLinks).toHaveLength(2); // ingress and egress on the one interface
      first.child.kill('SIGKILL');
      await first.stop();
      await waitFor("the killed agent's links to go", () => killedLinks.every((id) => !linksExisting().has(id)));
      expect(ourFilters(pair.hostIfA)).toBe('');

      const second = await startAgentProcess(args);
      const stoppedLinks = linksHeldBy(second.child.pid!);
      expect(stoppedLinks).toHaveLength(2);
      expect(await second.stop()).toBe(0);
      expect(stoppedLinks.filter((id) => linksExisting().has(id))).toEqual([]);
      expect(ourFilters(pair.hostIfA)).toBe('');
    } finally {
      pair.cleanup();
    }
  });
});

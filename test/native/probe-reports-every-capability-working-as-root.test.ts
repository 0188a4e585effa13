import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CAPABILITY_NAMES, probeCapabilities } from '../../src/native/binding.js';

describe('capability probe as root', () => {
  it('reports every capability working and leaves nothing attached to lo', () => {
    const before = execFileSync('tc', ['qdisc', 'show', 'dev', 'lo'], { encoding: 'utf8' });
    const caps = probeCapabilities();
    expect(Object.keys(caps).sort()).toEqual([...CAPABILITY_NAMES].sort());
    for (const name of CAPABILITY_NAMES) expect({ name, result: caps[name] }).toEqual({ name, result: 0 });
    expect(execFileSync('tc', ['qdisc', 'show', 'dev', 'lo'], { encoding: 'utf8' })).toBe(before);
    expect(execFileSync('tc', ['filter', 'show', 'dev', 'lo', 'ingress'], { encoding: 'utf8' })).not.toContain('fl_tc_');
  });
});

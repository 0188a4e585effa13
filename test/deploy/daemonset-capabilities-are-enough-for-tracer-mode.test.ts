import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CLI_PATH } from '../helpers/agent-cli.js';
import { onlyOfKind } from './manifest.js';

// The container's capability set, reproduced on the real kernel: root with every capability
// outside the manifest's `add` list dropped, as the runtime does for the DaemonSet's pod.

const added: string[] = onlyOfKind('DaemonSet').spec.template.spec.containers[0].securityContext.capabilities.add;

interface ProbeReport {
  mode: string | null;
  capabilities: Record<string, { ok: boolean; error?: string }>;
}

function probeWith(capabilities: readonly string[]): ProbeReport {
  const bounding = ['-all', ...capabilities.map((cap) => `+${cap.toLowerCase()}`)].join(',');
  const result = spawnSync('setpriv', ['--inh-caps=-all', `--bounding-set=${bounding}`, '--', process.execPath, CLI_PATH, 'probe', '--json'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (result.error) throw result.error;
  expect(result.stdout, result.stderr).not.toBe('');
  return JSON.parse(result.stdout) as ProbeReport;
}

describe('the DaemonSet\'s capabilities on this kernel', () => {
  it('are enough for tracer mode without SYS_ADMIN', () => {
    expect(added).not.toContain('SYS_ADMIN');
    const report = probeWith(added);
    expect(report.mode).toBe('tracer');
    for (const [name, capability] of Object.entries(report.capabilities)) {
      // Uprobes (TLS plaintext, off in the ConfigMap) are the one thing that needs more.
      if (name !== 'uprobe') expect(capability.ok, `${name}: ${capability.error}`).toBe(true);
    }
  });

  it('fall back to base mode when a cluster withholds BPF', () => {
    const report = probeWith(added.filter((cap) => cap !== 'BPF'));
    expect(report.mode).toBe('base');
    expect(report.capabilities.af_packet?.ok).toBe(true);
  });
});

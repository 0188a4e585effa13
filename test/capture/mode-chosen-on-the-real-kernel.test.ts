import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { hubbleProtos } from '../../src/proto/load.js';
import { runCli, type PrivilegeWrapper } from '../helpers/agent-cli.js';
import { isolatedAgentFlags, startAgentProcess } from '../helpers/agent-process.js';
import { unary } from '../server/tls-fixture.js';

interface Report {
  mode?: string;
  reason: string;
  error?: { code: string; message: string };
  capabilities: Record<string, { ok: boolean; error?: string }>;
  tlsParse: { requested: boolean; enabled: boolean; reason: string };
}

function probe(wrapper: PrivilegeWrapper, flags: string[]): { status: number | null; report: Report } {
  const result = runCli(['probe', '--json', ...flags], wrapper);
  expect(result.stdout, result.stderr).toMatch(/^\{/);
  return { status: result.status, report: JSON.parse(result.stdout) as Report };
}

describe('capture mode on the real kernel, from real capability probes', () => {
  it.each([['true'], ['false']])('as root chooses tracer (tls.parse=%s), every capability working', (tlsParse) => {
    const { status, report } = probe('root', ['--tls-parse', tlsParse]);
    expect(status).toBe(0);
    expect(report.mode).toBe('tracer');
    for (const [name, result] of Object.entries(report.capabilities)) expect(result.ok, name).toBe(true);
    expect(report.tlsParse.enabled).toBe(tlsParse === 'true');
  });

  describe.each([['setprivNoBpf'], ['capshNoBpf'], ['userNamespace']] as const)('with eBPF really removed (%s)', (wrapper) => {
    it.each([['true'], ['false']])('auto falls back to base (tls.parse=%s) and says why', (tlsParse) => {
      const { status, report } = probe(wrapper, ['--tls-parse', tlsParse]);
      expect(status).toBe(0);
      expect(report.mode).toBe('base');
      expect(report.capabilities.bpf_prog_load!.ok).toBe(false);
      expect(report.capabilities.af_packet!.ok).toBe(true);
      expect(report.reason).toMatch(/eBPF is unusable \(.*bpf_prog_load E[A-Z]+.*\); falling back to AF_PACKET/);
      expect(report.tlsParse.enabled).toBe(false);
      if (tlsParse === 'true') expect(report.tlsParse.reason).toContain('unavailable in base mode');
    });

    it('an explicit tracer stops the agent with a clear message', () => {
      const result = runCli(['agent', '--capture-mode', 'tracer', '--hubble-unix-socket', ''], wrapper);
      expect(result.status).not.toBe(0);
      expect(result.stderr).toMatch(/FL_TRACER_UNAVAILABLE: capture.mode=tracer was requested, but eBPF cannot be used here \(.*bpf_prog_load E[A-Z]+/);
    });
  });

  it.each([['userNamespaceHostNet'], ['setprivNoCapture']] as const)('with neither eBPF nor AF_PACKET (%s) says nothing can capture', (wrapper) => {
    const { status, report } = probe(wrapper, []);
    expect(status).toBe(1);
    expect(report.mode).toBeUndefined();
    expect(report.capabilities.af_packet!.ok).toBe(false);
    expect(report.error?.code).toBe('FL_NO_CAPTURE');
    const agent = runCli(['agent', '--hubble-unix-socket', ''], wrapper);
    expect(agent.status).not.toBe(0);
    expect(agent.stderr).toMatch(/FL_NO_CAPTURE: nothing can capture here: eBPF is unusable \(.*\) and AF_PACKET is unusable \(af_packet E[A-Z]+\)/);
  });

  it('probe without --json prints a readable table', () => {
    const result = runCli(['probe']);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^capability\s+result/m);
    expect(result.stdout).toMatch(/^chosen mode:\s+tracer/m);
  });
});

describe('the running agent captures in the mode the capabilities allow', () => {
  it.each([
    ['root', 'true', 'tracer'],
    ['root', 'false', 'tracer'],
    ['setprivNoBpf', 'true', 'base'],
    ['setprivNoBpf', 'false', 'base'],
    ['capshNoBpf', 'true', 'base'],
  ] as const)('as %s with --tls-parse %s runs in %s mode and serves', async (wrapper, tlsParse, mode) => {
    const agent = await startAgentProcess([...isolatedAgentFlags(), '--tls-parse', tlsParse, '--interfaces', 'lo'], { wrapper });
    try {
      expect(agent.modeLine.mode).toBe(mode);
      expect((agent.modeLine.tlsParse as { enabled: boolean }).enabled).toBe(mode === 'tracer' && tlsParse === 'true');
      const ready = await fetch(`http://127.0.0.1:${agent.healthPort}/readyz`);
      expect(ready.status).toBe(200);
      const metrics = await (await fetch(`http://127.0.0.1:${agent.metricsPort}/metrics`)).text();
      expect(metrics).toContain(`flowlens_capture_mode{mode="${mode}"} 1`);
      const observer = new hubbleProtos.observer.Observer(`127.0.0.1:${agent.grpcPort}`, grpc.credentials.createInsecure());
      try {
        const status = await unary<object, { version: string }>(observer, 'ServerStatus', {});
        expect(status.version).toContain(`capture mode ${mode}: `);
      } finally {
        observer.close();
      }
    } finally {
      expect(await agent.stop()).toBe(0);
    }
  });
});

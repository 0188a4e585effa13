import { describe, expect, it } from 'vitest';
import { errnoName } from '../../src/native/binding.js';
import { probeInChild } from './capability-child.js';

// The child imports the compiled binding (dist/), which the test set-up builds.
describe('capability probe without eBPF privileges', () => {
  it('under setpriv without bpf/sys_admin/perfmon/net_admin: eBPF is EPERM, AF_PACKET still works', () => {
    const caps = probeInChild(['setpriv', '--inh-caps=-all', '--bounding-set=-bpf,-sys_admin,-perfmon,-net_admin']);
    for (const name of ['bpf_prog_load', 'ringbuf', 'tc_attach', 'tcx_attach', 'tracepoint', 'uprobe'] as const) {
      expect({ name, error: errnoName(caps[name]) }).toEqual({ name, error: 'EPERM' });
    }
    expect(caps.af_packet).toBe(0);
    expect(caps.btf).toBe(0);
  });

  it('under capsh --drop of the eBPF capabilities: eBPF is EPERM, AF_PACKET still works', () => {
    const caps = probeInChild(['capsh', '--drop=cap_bpf,cap_sys_admin,cap_perfmon', '--', '-c', 'exec "$@"', '--']);
    expect(errnoName(caps.bpf_prog_load)).toBe('EPERM');
    expect(errnoName(caps.tracepoint)).toBe('EPERM');
    expect(caps.af_packet).toBe(0);
  });

  it('with only sys_admin and perfmon dropped: the drop tracepoint and uprobes are EPERM, AF_PACKET works', () => {
    const caps = probeInChild(['capsh', '--drop=cap_sys_admin,cap_perfmon', '--', '-c', 'exec "$@"', '--']);
    expect(errnoName(caps.tracepoint)).toBe('EPERM');
    expect(errnoName(caps.uprobe)).toBe('EPERM');
    expect(caps.af_packet).toBe(0);
  });

  it('in a user namespace (unshare -Ur): both eBPF and AF_PACKET fail', () => {
    const caps = probeInChild(['unshare', '-Ur']);
    expect(errnoName(caps.bpf_prog_load)).toBe('EPERM');
    expect(errnoName(caps.tc_attach)).toBe('EPERM');
    expect(errnoName(caps.tcx_attach)).toBe('EPERM');
    expect(errnoName(caps.tracepoint)).toBe('EPERM');
    expect(errnoName(caps.af_packet)).toBe('EPERM');
  });
});

import { describe, expect, it } from 'vitest';
import { createPodPair, ifindexOf } from '../helpers/netns.js';
import type { NativeRecord } from '../../src/native/records.js';
import { startCaptureChild } from './capture-child.js';
import { ping } from './pod-traffic.js';

const SETPRIV_WITHOUT_EBPF = ['setpriv', '--inh-caps=-all', '--bounding-set=-bpf,-sys_admin,-perfmon,-net_admin'];
const CAPTURE_MS = 4000;
const ICMP = 1;

// The child imports the compiled binding (dist/), which the test set-up builds.
describe('base session without eBPF privileges', () => {
  it('captures pod traffic through AF_PACKET in a process that cannot use bpf()', async () => {
    const pair = createPodPair();
    try {
      const ifindex = ifindexOf(pair.hostIfA);
      const child = await startCaptureChild(SETPRIV_WITHOUT_EBPF, ['--mode', 'base', '--attach', String(ifindex), '--for-ms', String(CAPTURE_MS)]);
      await ping(pair.nsA, pair.ipB, 2);
      expect(await child.exited).toBe(0);
      const records = child
        .output()
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as NativeRecord);
      const echo = records.filter((r) => r.protocol === ICMP && r.source === pair.ipA && r.destination === pair.ipB);
      expect(echo[0]).toMatchObject({ kind: 'flow', reason: 'new', direction: 'ingress', ifindex, icmpType: 8 });
      expect(echo.reduce((sum, r) => sum + r.packets, 0)).toBe(2);
    } finally {
      pair.cleanup();
    }
  });

  it('refuses a tracer session in the same process with EPERM', async () => {
    const pair = createPodPair();
    try {
      const child = await startCaptureChild(SETPRIV_WITHOUT_EBPF, ['--mode', 'tracer', '--attach', String(ifindexOf(pair.hostIfA)), '--for-ms', '1']).catch(
        (err: Error) => err,
      );
      expect(child).toBeInstanceOf(Error);
      expect(String(child)).toMatch(/opening the tracer capture failed: EPERM/);
    } finally {
      pair.cleanup();
    }
  });
});

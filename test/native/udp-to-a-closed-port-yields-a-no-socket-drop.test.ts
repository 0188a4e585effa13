import { describe, expect, it } from 'vitest';
import { dropReasonNames } from '../../src/native/binding.js';
import { withCapture } from './capture-fixture.js';
import { udpSend } from './pod-traffic.js';

const UDP = 17;
const CLOSED_PORT = 6999;
const SOURCE_PORT = 42000;

describe('tracer session with drops', () => {
  it('reports UDP to a closed port as a drop whose kernel reason is NO_SOCKET', async () => {
    await withCapture({ mode: 'tracer', captureDrops: true }, async ({ pair, collector }) => {
      await udpSend(pair.nsA, 4, pair.ipB, CLOSED_PORT, 1, SOURCE_PORT);
      const drops = await collector.waitFor(
        (r) => r.kind === 'drop' && r.protocol === UDP && r.source === pair.ipA && r.sourcePort === SOURCE_PORT,
        (rs) => rs.length > 0,
      );
      expect(drops[0]).toMatchObject({ destination: pair.ipB, destinationPort: CLOSED_PORT, family: 4, packets: 1, reason: 'none' });
      expect(dropReasonNames().get(drops[0]!.dropReason)).toBe('NO_SOCKET');
      expect(drops[0]!.aux).toBeGreaterThan(0);
    });
  });

  it('names every kernel drop reason from BTF, without the SKB_DROP_REASON_ prefix', () => {
    const names = dropReasonNames();
    expect([...names.values()]).toContain('NO_SOCKET');
    expect([...names.values()]).toContain('NOT_SPECIFIED');
    expect([...names.values()].some((name) => name.startsWith('SKB_DROP_REASON_'))).toBe(false);
    expect(dropReasonNames()).toBe(names);
  });
});

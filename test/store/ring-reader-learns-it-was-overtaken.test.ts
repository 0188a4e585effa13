import { describe, expect, it } from 'vitest';
import { isFlowlensError } from '../../src/errors.js';
import { FlowRing, type RingRead } from '../../src/store/ring.js';
import { makeFlow } from '../helpers/flows.js';

const summaryOf = (read: RingRead): string | undefined => (read.kind === 'event' && 'flow' in read.event ? read.event.flow.Summary : undefined);

describe('FlowRing readers positioned by sequence number', () => {
  it('reads held events by sequence and reports unwritten ones as pending', () => {
    const ring = new FlowRing({ capacity: 4 });
    for (let i = 0; i < 3; i += 1) ring.push({ flow: makeFlow({ Summary: `f${i}` }) });
    expect([0, 1, 2].map((seq) => summaryOf(ring.read(seq)))).toEqual(['f0', 'f1', 'f2']);
    expect(ring.read(3)).toEqual({ kind: 'pending' });
    expect({ oldest: ring.oldestSequence, next: ring.nextSequence, size: ring.size }).toEqual({ oldest: 0, next: 3, size: 3 });
  });

  it('tells a reader whose slot was overwritten how many it missed and where to resume', () => {
    const ring = new FlowRing({ capacity: 4 });
    for (let i = 0; i < 10; i += 1) ring.push({ flow: makeFlow({ Summary: `f${i}` }) });
    expect(ring.oldestSequence).toBe(6);
    expect(ring.size).toBe(4);
    expect(ring.read(1)).toEqual({ kind: 'overtaken', missed: 5, resumeAt: 6 });
    expect(ring.read(5)).toEqual({ kind: 'overtaken', missed: 1, resumeAt: 6 });
    // Never the newer event that now occupies the old slot.
    expect(summaryOf(ring.read(6))).toBe('f6');
    expect(summaryOf(ring.read(9))).toBe('f9');
  });

  it('holds lost-event reports in arrival order like flows', () => {
    const ring = new FlowRing({ capacity: 2 });
    ring.push({ lost_events: { source: 'PERF_EVENT_RING_BUFFER', num_events_lost: 3 } });
    const read = ring.read(0);
    expect(read.kind === 'event' && 'lost_events' in read.event && read.event.lost_events.num_events_lost).toBe(3);
  });

  it('rejects a capacity that is not a positive integer', () => {
    for (const capacity of [0, -1, 1.5, Number.NaN]) {
      expect(() => new FlowRing({ capacity })).toThrow();
      try {
        new FlowRing({ capacity });
      } catch (err) {
        expect(isFlowlensError(err, 'FL_CONFIG_INVALID')).toBe(true);
      }
    }
  });
});

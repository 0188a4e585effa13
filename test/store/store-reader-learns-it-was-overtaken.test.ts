import { describe, expect, it } from 'vitest';
import { isFlowlensError } from '../../src/errors.js';
import { FlowStore, type RingRead } from '../../src/store/flow-store.js';
import { makeFlow } from '../helpers/flows.js';

const summaryOf = (read: RingRead): string | undefined => (read.kind === 'event' && 'flow' in read.event ? read.event.flow.Summary : undefined);

describe('FlowStore readers positioned by sequence number', () => {
  it('reads held events by sequence and reports unwritten ones as pending', () => {
    const store = new FlowStore({ capacity: 4 });
    for (let i = 0; i < 3; i += 1) store.pushFlow(makeFlow({ Summary: `f${i}` }));
    expect([0, 1, 2].map((seq) => summaryOf(store.read(seq)))).toEqual(['f0', 'f1', 'f2']);
    expect(store.read(3)).toEqual({ kind: 'pending' });
    expect({ oldest: store.oldestSequence, next: store.nextSequence, size: store.size }).toEqual({ oldest: 0, next: 3, size: 3 });
  });

  it('tells a reader whose slot was overwritten how many it missed and where to resume', () => {
    const store = new FlowStore({ capacity: 4 });
    for (let i = 0; i < 10; i += 1) store.pushFlow(makeFlow({ Summary: `f${i}` }));
    expect(store.oldestSequence).toBe(6);
    expect(store.size).toBe(4);
    expect(store.read(1)).toEqual({ kind: 'overtaken', missed: 5, resumeAt: 6 });
    expect(store.read(5)).toEqual({ kind: 'overtaken', missed: 1, resumeAt: 6 });
    // Never the newer event that now occupies the old slot.
    expect(summaryOf(store.read(6))).toBe('f6');
    expect(summaryOf(store.read(9))).toBe('f9');
  });

  it('holds lost-event reports in arrival order like flows', () => {
    const store = new FlowStore({ capacity: 2 });
    store.pushLostEvent({ source: 'PERF_EVENT_RING_BUFFER', num_events_lost: 3 });
    const read = store.read(0);
    expect(read.kind === 'event' && 'lost_events' in read.event && read.event.lost_events.num_events_lost).toBe(3);
  });

  it('rejects a capacity that is not a positive integer', () => {
    for (const capacity of [0, -1, 1.5, Number.NaN]) {
      expect(() => new FlowStore({ capacity })).toThrow();
      try {
        new FlowStore({ capacity });
      } catch (err) {
        expect(isFlowlensError(err, 'FL_CONFIG_INVALID')).toBe(true);
      }
    }
  });
});

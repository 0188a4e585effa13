import { describe, expect, it } from 'vitest';
import { FlowReader, type ReaderStep } from '../../src/store/flow-reader.js';
import { FlowStore } from '../../src/store/flow-store.js';
import { makeFlow } from '../helpers/flows.js';

const label = (step: ReaderStep): string =>
  typeof step === 'string' ? step : 'flow' in step ? (step.flow.Summary ?? '') : `lost ${step.lost_events.num_events_lost} ${step.lost_events.source}`;

describe('FlowReader overtaken by the buffer', () => {
  it('reports the missed events once, then reads on from the oldest held', () => {
    const store = new FlowStore({ capacity: 3 });
    const reader = new FlowReader(store, { number: 0, first: false, follow: true, matches: () => true, passStoredLostEvents: true });
    store.pushFlow(makeFlow({ Summary: 'f0' }));
    expect(label(reader.next())).toBe('f0');
    expect(label(reader.next())).toBe('wait');
    for (let i = 1; i <= 7; i += 1) store.pushFlow(makeFlow({ Summary: `f${i}` }));
    const steps = Array.from({ length: 5 }, () => label(reader.next()));
    expect(steps).toEqual(['lost 4 HUBBLE_RING_BUFFER', 'f5', 'f6', 'f7', 'wait']);
  });

  it('passes stored lost-event reports only when asked to, never counting them as flows', () => {
    const store = new FlowStore({ capacity: 8 });
    store.pushFlow(makeFlow({ Summary: 'f0' }));
    store.pushLostEvent({ source: 'PERF_EVENT_RING_BUFFER', num_events_lost: 2 });
    store.pushFlow(makeFlow({ Summary: 'f1' }));
    const read = (pass: boolean): string[] => {
      const reader = new FlowReader(store, { number: 0, first: true, follow: false, matches: () => true, passStoredLostEvents: pass });
      const out: string[] = [];
      for (let step = reader.next(); step !== 'done'; step = reader.next()) out.push(label(step));
      return out;
    };
    expect(read(true)).toEqual(['f0', 'lost 2 PERF_EVENT_RING_BUFFER', 'f1']);
    expect(read(false)).toEqual(['f0', 'f1']);
  });
});

import { describe, expect, it } from 'vitest';
import { FlowRing } from '../../src/store/ring.js';
import { makeFlow } from '../helpers/flows.js';

describe('FlowRing wakes followers on push, without polling', () => {
  it('calls each listener synchronously after every push', () => {
    const ring = new FlowRing({ capacity: 8 });
    const seenAtWake: number[] = [];
    ring.onPush(() => seenAtWake.push(ring.nextSequence));
    ring.push({ flow: makeFlow() });
    ring.push({ flow: makeFlow() });
    expect(seenAtWake).toEqual([1, 2]);
  });

  it('removing one registration leaves others, even of the same function', () => {
    const ring = new FlowRing({ capacity: 8 });
    let calls = 0;
    const listener = (): void => {
      calls += 1;
    };
    const removeFirst = ring.onPush(listener);
    ring.onPush(listener);
    expect(ring.listenerCount).toBe(2);
    removeFirst();
    removeFirst();
    expect(ring.listenerCount).toBe(1);
    ring.push({ flow: makeFlow() });
    expect(calls).toBe(1);
  });

  it('a listener removing itself during a push does not skip the others', () => {
    const ring = new FlowRing({ capacity: 8 });
    const woken: string[] = [];
    const removeA = ring.onPush(() => {
      woken.push('a');
      removeA();
    });
    ring.onPush(() => woken.push('b'));
    ring.push({ flow: makeFlow() });
    ring.push({ flow: makeFlow() });
    expect(woken).toEqual(['a', 'b', 'b']);
  });
});

import { describe, expect, it } from 'vitest';
import { FlowStore } from '../../src/store/flow-store.js';
import { makeFlow } from '../helpers/flows.js';

describe('FlowStore wakes followers on push, without polling', () => {
  it('calls each listener synchronously after every push', () => {
    const store = new FlowStore({ capacity: 8 });
    const seenAtWake: number[] = [];
    store.onPush(() => seenAtWake.push(store.nextSequence));
    store.pushFlow(makeFlow());
    store.pushFlow(makeFlow());
    expect(seenAtWake).toEqual([1, 2]);
  });

  it('removing one registration leaves others, even of the same function', () => {
    const store = new FlowStore({ capacity: 8 });
    let calls = 0;
    const listener = (): void => {
      calls += 1;
    };
    const removeFirst = store.onPush(listener);
    store.onPush(listener);
    expect(store.listenerCount).toBe(2);
    removeFirst();
    removeFirst();
    expect(store.listenerCount).toBe(1);
    store.pushFlow(makeFlow());
    expect(calls).toBe(1);
  });

  it('a listener removing itself during a push does not skip the others', () => {
    const store = new FlowStore({ capacity: 8 });
    const woken: string[] = [];
    const removeA = store.onPush(() => {
      woken.push('a');
      removeA();
    });
    store.onPush(() => woken.push('b'));
    store.pushFlow(makeFlow());
    store.pushFlow(makeFlow());
    expect(woken).toEqual(['a', 'b', 'b']);
  });
});

import { describe, expect, it } from 'vitest';
import { TouchOrder } from '../../../src/parser/l7/touch-order.js';

describe('touch order', () => {
  it('yields the least recently touched key still held, skipping keys touched again or dropped', () => {
    const held = new Map<string, bigint>();
    const order = new TouchOrder((key, timeNs) => held.get(key) === timeNs);
    const touch = (key: string, timeNs: bigint): void => {
      held.set(key, timeNs);
      order.touch(key, timeNs);
    };
    touch('a', 1n);
    touch('b', 2n);
    touch('c', 3n);
    touch('a', 4n);
    expect(order.oldest()).toEqual({ key: 'b', timeNs: 2n });
    held.delete('b');
    expect(order.oldest()).toEqual({ key: 'c', timeNs: 3n });
    held.delete('c');
    expect(order.oldest()).toEqual({ key: 'a', timeNs: 4n });
    held.delete('a');
    expect(order.oldest()).toBeUndefined();
  });

  it('keeps its order through compactions under heavy churn', () => {
    const held = new Map<string, bigint>();
    const order = new TouchOrder((key, timeNs) => held.get(key) === timeNs);
    // 100 keys touched round and round: only the last touch of each is current.
    for (let i = 0; i < 100_000; i++) {
      const key = `k${i % 100}`;
      held.set(key, BigInt(i));
      order.touch(key, BigInt(i));
    }
    const drained: string[] = [];
    for (let oldest = order.oldest(); oldest !== undefined; oldest = order.oldest()) {
      drained.push(oldest.key);
      held.delete(oldest.key);
    }
    expect(drained).toEqual(Array.from({ length: 100 }, (_, i) => `k${i}`));
  });
});

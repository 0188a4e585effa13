import { describe, expect, it } from 'vitest';
import { createPodPair, ifindexOf } from '../helpers/netns.js';
import { NativeSession } from '../../src/native/binding.js';
import { TEST_SESSION } from './record-collector.js';

const CASES = [
  ['tracer', 'clsact'],
  ['tracer', 'tcx'],
  ['base', 'auto'],
] as const;

describe('sessions whose interfaces vanish', () => {
  it.each(CASES)('%s (%s): detach and close succeed, attach reports ENODEV', (mode, tcAttach) => {
    const pair = createPodPair();
    const session = NativeSession.open({ ...TEST_SESSION, mode, tcAttach });
    try {
      const ifindexes = [ifindexOf(pair.hostIfA), ifindexOf(pair.hostIfB)];
      for (const ifindex of ifindexes) session.attach(ifindex);
      expect(session.stats().attached).toBe(2);
      pair.cleanup();
      session.detach(ifindexes[0]!);
      expect(session.stats().attached).toBe(1);
      expect(() => session.attach(ifindexes[0]!)).toThrow(/ENODEV/);
    } finally {
      session.close();
      pair.cleanup();
    }
  });
});

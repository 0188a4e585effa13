import { describe, expect, it } from 'vitest';
import { createPodPair } from './netns.js';

describe('test topology', () => {
  it('two pod namespaces reach each other over the bridge, v4 and v6', () => {
    const pair = createPodPair();
    try {
      const out4 = pair.exec(pair.nsA, ['ping', '-c', '1', '-W', '2', pair.ipB]);
      expect(out4).toContain('1 received');
    } finally {
      pair.cleanup();
    }
  });
});

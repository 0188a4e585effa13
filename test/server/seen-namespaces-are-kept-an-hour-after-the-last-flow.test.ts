import { describe, expect, it } from 'vitest';
import { SeenNamespaces } from '../../src/server/seen-namespaces.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

function clock(): { now: () => number; advance(ms: number): void } {
  let ms = 1_700_000_000_000;
  return { now: () => ms, advance: (by) => (ms += by) };
}

const names = (seen: SeenNamespaces) => seen.namespaces().map((n) => `${n.cluster}/${n.namespace}`);

describe('namespaces seen in flows', () => {
  it('records both ends of a flow with this node\'s cluster, and nothing for an end without a namespace', () => {
    const time = clock();
    const seen = new SeenNamespaces({ clusterName: 'eu', now: time.now });
    seen.see('shop');
    seen.see('kube-system');
    seen.see(undefined);
    seen.see('');
    seen.see('shop');
    expect(names(seen)).toEqual(['eu/shop', 'eu/kube-system']);
  });

  it('keeps a namespace for an hour after the last flow that named it, then forgets it', () => {
    const time = clock();
    const seen = new SeenNamespaces({ clusterName: 'eu', now: time.now });
    seen.see('early');
    seen.see('renewed');
    time.advance(40 * MINUTE_MS);
    seen.see('renewed');
    seen.see('late');
    time.advance(20 * MINUTE_MS);
    expect(names(seen)).toEqual(['eu/early', 'eu/renewed', 'eu/late']);
    time.advance(1);
    expect(names(seen)).toEqual(['eu/renewed', 'eu/late']);
    time.advance(HOUR_MS - 20 * MINUTE_MS - 1);
    expect(names(seen)).toEqual(['eu/renewed', 'eu/late']);
    time.advance(1);
    expect(names(seen)).toEqual([]);
    expect(seen.evictions).toBe(0);
  });

  it('holds at most its bound, dropping the longest unseen first and counting each', () => {
    const time = clock();
    const seen = new SeenNamespaces({ clusterName: 'eu', maxNamespaces: 3, now: time.now });
    for (const namespace of ['a', 'b', 'c']) {
      seen.see(namespace);
      time.advance(2_000);
    }
    seen.see('a');
    seen.see('d');
    seen.see('e');
    expect(names(seen)).toEqual(['eu/a', 'eu/d', 'eu/e']);
    expect(seen.evictions).toBe(2);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  assignIdentities,
  FIRST_POD_IDENTITY,
  homeIdentity,
  LabelSetIdentities,
  LAST_POD_IDENTITY,
  labelSetText,
} from '../../src/enrich/label-set-identities.js';

const WEB = ['k8s:app=web', 'k8s:io.cilium.k8s.policy.cluster=default', 'k8s:io.cilium.k8s.policy.serviceaccount=default', 'k8s:io.kubernetes.pod.namespace=shop'];
// Two label sets whose SHA-256 homes are equal (found by a search over app=n0, n1, ...).
const COLLIDING = [labelSetText(['k8s:app=n674']), labelSetText(['k8s:app=n2975'])] as const;

describe('the number of a label set', () => {
  it('is a fixed function of the labels: the same in every process, on every node, after every restart', () => {
    // Pinned: a different number here means agents of two versions would disagree.
    expect(homeIdentity(labelSetText(WEB))).toBe(6_924_002);
    expect(assignIdentities([labelSetText(WEB)]).get(labelSetText(WEB))).toBe(6_924_002);
  });

  it('is equal for equal label sets, in whatever order or repetition the labels come', () => {
    const shuffled = [WEB[3]!, WEB[1]!, WEB[0]!, WEB[2]!, WEB[0]!];
    expect(labelSetText(shuffled)).toBe(labelSetText(WEB));
    expect(homeIdentity(labelSetText(shuffled))).toBe(homeIdentity(labelSetText(WEB)));
  });

  it('differs for label sets that differ in one label, the namespace included', () => {
    const otherNamespace = WEB.map((l) => l.replace('namespace=shop', 'namespace=shop-staging'));
    const otherApp = WEB.map((l) => l.replace('app=web', 'app=db'));
    const numbers = assignIdentities([WEB, otherNamespace, otherApp, WEB.slice(1)].map(labelSetText));
    expect(new Set(numbers.values()).size).toBe(4);
  });

  it('stays in 256 .. 2^24-1: past the reserved identities, never with bit 24 (Cilium\'s node-local CIDR identities)', () => {
    const texts = Array.from({ length: 20_000 }, (_, i) => labelSetText([`k8s:app=a${i}`, 'k8s:io.kubernetes.pod.namespace=ns']));
    const numbers = [...assignIdentities(texts).values()];
    expect(new Set(numbers).size).toBe(texts.length);
    expect(numbers.filter((n) => n < FIRST_POD_IDENTITY || n > LAST_POD_IDENTITY || (n & (1 << 24)) !== 0)).toEqual([]);
    expect(LAST_POD_IDENTITY).toBe(2 ** 24 - 1);
  });
});

describe('collisions', () => {
  it('a real one: the label set whose text sorts first keeps the home, the other takes the next number', () => {
    const [n674, n2975] = COLLIDING;
    const home = homeIdentity(n674);
    expect(homeIdentity(n2975)).toBe(home);
    expect(n2975 < n674).toBe(true);
    for (const order of [[n674, n2975], [n2975, n674]]) {
      const numbers = assignIdentities(order);
      expect(numbers.get(n2975)).toBe(home);
      expect(numbers.get(n674)).toBe(home + 1);
    }
  });

  it('forced chains: settled by (home, text), probing upwards and wrapping from the top of the range to its start', () => {
    const homes: Record<string, number> = { b: 1000, a: 1000, c: 1000, d: 1001, e: LAST_POD_IDENTITY, f: LAST_POD_IDENTITY, g: FIRST_POD_IDENTITY };
    const numbers = assignIdentities(Object.keys(homes), (text) => homes[text]!);
    expect(Object.fromEntries(numbers)).toEqual({
      a: 1000,
      b: 1001,
      c: 1002,
      // d's home is taken by b, which sorts before it (lower home): d probes on.
      d: 1003,
      // g is processed first (lowest home) and keeps 256; f wraps past the top and probes on.
      e: LAST_POD_IDENTITY,
      f: FIRST_POD_IDENTITY + 1,
      g: FIRST_POD_IDENTITY,
    });
  });

  it('every label set gets the first free number at or after its home, in (home, text) order, wrapping at the top', () => {
    // The definition, probing a set of taken numbers; assignIdentities computes it in one pass.
    const byDefinition = (homes: Map<string, number>): Map<string, number> => {
      const order = [...homes].sort(([a, ha], [b, hb]) => ha - hb || (a < b ? -1 : 1));
      const taken = new Set<number>();
      const numbers = new Map<string, number>();
      for (const [text, home] of order) {
        let n = home;
        while (taken.has(n)) n = n === LAST_POD_IDENTITY ? FIRST_POD_IDENTITY : n + 1;
        taken.add(n);
        numbers.set(text, n);
      }
      return numbers;
    };
    const crowded = fc.constantFrom(FIRST_POD_IDENTITY, FIRST_POD_IDENTITY + 1, FIRST_POD_IDENTITY + 3, 5_000, 5_002, LAST_POD_IDENTITY - 2, LAST_POD_IDENTITY);
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(fc.string({ minLength: 1, maxLength: 3 }), crowded), { selector: ([text]) => text, maxLength: 40 }), (entries) => {
        const homes = new Map(entries);
        expect(assignIdentities(homes.keys(), (text) => homes.get(text)!)).toEqual(byDefinition(homes));
      }),
    );
  });

  it('agents that learn the same label sets in any order, with pods coming and going, end with the same numbers', () => {
    const pool = [...COLLIDING, ...Array.from({ length: 10 }, (_, i) => labelSetText([`k8s:app=p${i}`]))];
    const everyOrder = fc.shuffledSubarray(pool, { minLength: pool.length, maxLength: pool.length });
    fc.assert(
      fc.property(everyOrder, fc.subarray(pool), fc.array(fc.nat(pool.length - 1), { maxLength: 20 }), (arrival, kept, churn) => {
        const table = new LabelSetIdentities();
        for (const text of arrival) table.add(text);
        // Another pod of a set comes and goes: the set stays in use.
        for (const i of churn) {
          table.add(pool[i]!);
          table.remove(pool[i]!);
        }
        // The sets not kept lose their only pod.
        for (const text of pool) if (!kept.includes(text)) table.remove(text);
        const expected = assignIdentities(kept);
        for (const text of pool) expect(table.identityOf(text)).toBe(expected.get(text) ?? 0);
        expect(table.size).toBe(kept.length);
      }),
    );
  });

  it('the kept table agrees with a fresh derivation after many label sets come and go at once, and a few', () => {
    const text = (i: number): string => labelSetText([`k8s:app=b${i}`]);
    const table = new LabelSetIdentities();
    const live = new Set<string>();
    const check = (): void => {
      const expected = assignIdentities([...COLLIDING, ...live]);
      for (const t of [...COLLIDING, ...live]) expect(table.identityOf(t)).toBe(expected.get(t));
    };
    for (const t of COLLIDING) table.add(t);
    for (let i = 0; i < 200; i++) live.add(text(i));
    for (const t of live) table.add(t);
    check();
    // 100 go, then 80 of them come back (as new entries of the same texts) and 20 new ones.
    for (let i = 0; i < 100; i++) {
      table.remove(text(i));
      live.delete(text(i));
    }
    for (let i = 20; i < 120; i++) {
      if (!live.has(text(i))) table.add(text(i));
      live.add(text(i));
    }
    for (let i = 300; i < 320; i++) {
      table.add(text(i));
      live.add(text(i));
    }
    check();
    for (const i of [1000, 1001, 7]) {
      table.add(text(i));
      live.add(text(i));
    }
    check();
    expect(table.size).toBe(live.size + COLLIDING.length);
  });

  it('a newcomer that sorts first displaces the holder, and gives the number back when its pods are gone', () => {
    const [n674, n2975] = COLLIDING;
    const home = homeIdentity(n674);
    const table = new LabelSetIdentities();
    table.add(n674);
    expect(table.identityOf(n674)).toBe(home);
    expect(table.displaced()).toBe(0);

    const before = table.version;
    table.add(n2975);
    expect(table.version).not.toBe(before);
    expect(table.identityOf(n2975)).toBe(home);
    expect(table.identityOf(n674)).toBe(home + 1);
    expect(table.displaced()).toBe(1);

    table.remove(n2975);
    expect(table.identityOf(n674)).toBe(home);
    expect(table.displaced()).toBe(0);
  });

  it('more pods of a label set already in use change nothing, not even the version', () => {
    const table = new LabelSetIdentities();
    table.add(labelSetText(WEB));
    const version = table.version;
    table.add(labelSetText(WEB));
    table.remove(labelSetText(WEB));
    expect(table.version).toBe(version);
    expect(table.identityOf(labelSetText(WEB))).toBe(6_924_002);
  });
});

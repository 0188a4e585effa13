import { createHash } from 'node:crypto';

// Numeric identities for pods, one per distinct set of identity labels, that every agent
// derives alike without talking to the others: a number is a pure function of the label set
// and of the set of label sets in use, both of which every agent sees from the same API server.
//
// Each label set has a home number: SHA-256 of its canonical text, read as a 48-bit integer,
// modulo the size of the range, plus its start. The range is 256 (Cilium's first number after
// the reserved ones) to 2^24 - 1 (below bit 24, which marks Cilium's node-local CIDR
// identities). Two label sets with one home collide; they are settled by sorting every label
// set in use by (home, canonical text) and giving each, in that order, the first number at or
// after its home not yet taken (wrapping to the start of the range). So for a given set of
// label sets every agent computes the same numbers; a number changes only when a colliding
// label set appears or disappears ahead of it in that order.

export const FIRST_POD_IDENTITY = 256;
export const LAST_POD_IDENTITY = 0xff_ffff;
const RANGE_SIZE = LAST_POD_IDENTITY - FIRST_POD_IDENTITY + 1;
const HASH_BYTES_READ = 6;

/** The canonical text of a label set: its distinct labels, sorted, as a JSON array. */
export function labelSetText(labels: readonly string[]): string {
  return JSON.stringify([...new Set(labels)].sort());
}

/** Where a label set's number is unless another label set got there first. */
export function homeIdentity(text: string): number {
  const digest = createHash('sha256').update(text).digest();
  return FIRST_POD_IDENTITY + (digest.readUIntBE(0, HASH_BYTES_READ) % RANGE_SIZE);
}

/**
 * The number of each label set (by canonical text) among all those in use. `home` is only
 * replaced by tests that force collisions.
 */
export function assignIdentities(texts: Iterable<string>, home: (text: string) => number = homeIdentity): Map<string, number> {
  return settle([...new Set(texts)].map((text) => ({ text, home: home(text) })));
}

/** Sorts the label sets by (home, text), then gives each the first free number from its home. */
function settle(order: { text: string; home: number }[]): Map<string, number> {
  order.sort((a, b) => a.home - b.home || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0));
  const taken = new Set<number>();
  const assigned = new Map<string, number>();
  for (const { text, home } of order) {
    if (taken.size === RANGE_SIZE) break;
    let identity = home;
    while (taken.has(identity)) identity = identity === LAST_POD_IDENTITY ? FIRST_POD_IDENTITY : identity + 1;
    taken.add(identity);
    assigned.set(text, identity);
  }
  return assigned;
}

interface LabelSetUse {
  pods: number;
  home: number;
}

/**
 * The label sets of the pods known now, counted, and their numbers. Numbers are settled again
 * on the first lookup after the set of label sets changed; `version` changes with that set.
 */
export class LabelSetIdentities {
  private readonly uses = new Map<string, LabelSetUse>();
  private assigned: Map<string, number> | undefined;
  private changes = 0;

  /** One more pod with this label set (canonical text). */
  add(text: string): void {
    const use = this.uses.get(text);
    if (use) {
      use.pods++;
      return;
    }
    this.uses.set(text, { pods: 1, home: homeIdentity(text) });
    this.changed();
  }

  /** One pod fewer with this label set. */
  remove(text: string): void {
    const use = this.uses.get(text);
    if (!use) return;
    if (--use.pods > 0) return;
    this.uses.delete(text);
    this.changed();
  }

  /** The label set's number; 0 for a label set no pod has. */
  identityOf(text: string): number {
    return this.numbers().get(text) ?? 0;
  }

  get version(): number {
    return this.changes;
  }

  /** Label sets in use. */
  get size(): number {
    return this.uses.size;
  }

  /** Label sets in use whose number is not their home, because another one got there first. */
  displaced(): number {
    let count = 0;
    for (const [text, identity] of this.numbers()) if (identity !== this.uses.get(text)?.home) count++;
    return count;
  }

  private numbers(): Map<string, number> {
    if (this.assigned === undefined) {
      this.assigned = settle([...this.uses].map(([text, use]) => ({ text, home: use.home })));
    }
    return this.assigned;
  }

  private changed(): void {
    this.assigned = undefined;
    this.changes++;
  }
}

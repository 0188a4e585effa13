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
  const order = [...new Set(texts)].map((text) => ({ text, home: home(text) }));
  const assigned = new Map<string, number>();
  settle(order.sort(byHomeThenText), (placed, identity) => assigned.set(placed.text, identity));
  return assigned;
}

interface Placed {
  text: string;
  home: number;
}

function byHomeThenText(a: Placed, b: Placed): number {
  return a.home - b.home || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0);
}

/**
 * Gives each label set, in (home, text) order, the first free number at or after its home.
 * In that order every number handed out so far is at most the last one, and all numbers from
 * the current home up to the last are taken, so the first free one is max(home, last + 1);
 * once the top of the range is reached, the rest take the lowest free numbers from its start.
 */
function settle<T extends Placed>(order: readonly T[], give: (placed: T, identity: number) => void): void {
  const given: number[] = [];
  let last = FIRST_POD_IDENTITY - 1;
  let low = FIRST_POD_IDENTITY;
  let taken: Set<number> | undefined;
  for (const placed of order) {
    let identity: number;
    if (last < LAST_POD_IDENTITY) {
      identity = Math.max(placed.home, last + 1);
      last = identity;
    } else {
      taken ??= new Set(given);
      while (taken.has(low)) low++;
      // A full range (2^24 - 256 label sets) leaves the rest without a number.
      identity = low > LAST_POD_IDENTITY ? 0 : low++;
    }
    given.push(identity);
    give(placed, identity);
  }
}

/** Up to this many label sets added between two settlings are inserted one by one, not merged. */
const FEW_ADDED = 64;

/** Where a label set goes in a list in (home, text) order: a binary search. */
function positionIn(order: readonly Placed[], placed: Placed): number {
  let low = 0;
  let high = order.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (byHomeThenText(order[middle]!, placed) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

interface LabelSetUse extends Placed {
  /** 0 once the label set is no longer in use. */
  pods: number;
  /** As of the last settling. */
  identity: number;
}

/**
 * The label sets of the pods known now, counted, and their numbers. Numbers are settled again
 * on the first lookup after the set of label sets changed (label sets added since are sorted
 * and merged into the kept (home, text) order then), and `version` changes with that set.
 */
export class LabelSetIdentities {
  private readonly uses = new Map<string, LabelSetUse>();
  /** In (home, text) order as of the last settling; may still hold label sets removed since. */
  private order: LabelSetUse[] = [];
  private added: LabelSetUse[] = [];
  private removals = 0;
  private settled = true;
  private changes = 0;

  /** One more pod with this label set (canonical text). */
  add(text: string): void {
    const use = this.uses.get(text);
    if (use) {
      use.pods++;
      return;
    }
    const added = { text, home: homeIdentity(text), pods: 1, identity: 0 };
    this.uses.set(text, added);
    this.added.push(added);
    this.changed();
  }

  /** One pod fewer with this label set. */
  remove(text: string): void {
    const use = this.uses.get(text);
    if (!use) return;
    if (--use.pods > 0) return;
    this.uses.delete(text);
    this.removals++;
    this.changed();
  }

  /** The label set's number; 0 for a label set no pod has. */
  identityOf(text: string): number {
    this.settle();
    return this.uses.get(text)?.identity ?? 0;
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
    this.settle();
    let count = 0;
    for (const use of this.order) if (use.identity !== use.home) count++;
    return count;
  }

  private settle(): void {
    if (this.settled) return;
    this.order = this.mergedOrder();
    settle(this.order, (use, identity) => (use.identity = identity));
    this.settled = true;
  }

  /** The kept order without removed label sets (no pods left), with the added ones in place. */
  private mergedOrder(): LabelSetUse[] {
    const kept = this.removals > 0 ? this.order.filter((use) => use.pods > 0) : this.order;
    const added = this.added.filter((use) => use.pods > 0).sort(byHomeThenText);
    this.added = [];
    this.removals = 0;
    if (added.length <= FEW_ADDED) {
      for (const use of added) kept.splice(positionIn(kept, use), 0, use);
      return kept;
    }
    const merged: LabelSetUse[] = [];
    let i = 0;
    let j = 0;
    while (i < kept.length && j < added.length) merged.push(byHomeThenText(kept[i]!, added[j]!) <= 0 ? kept[i++]! : added[j++]!);
    while (i < kept.length) merged.push(kept[i++]!);
    while (j < added.length) merged.push(added[j++]!);
    return merged;
  }

  private changed(): void {
    this.settled = false;
    this.changes++;
  }
}

class LabelNode<T> {
  children: Map<string, LabelNode<T>> | undefined;
  entry: T | undefined;
  // The child last taken: successive flows mostly repeat a node's value (one protocol, one
  // verdict, ...), and comparing strings that are one object costs less than a Map lookup.
  lastValue: string | undefined;
  lastChild: LabelNode<T> | undefined;
}

/**
 * One entry per distinct combination of label values, found by one Map lookup per label.
 * Label values are mostly strings whose hash V8 keeps, so a lookup costs tens of nanoseconds
 * and allocates nothing, where prom-client joins, hashes and validates a label object on every
 * call. Holds at most `maxEntries` combinations: past it, a new combination gets no entry.
 */
export class LabelTree<T> {
  private readonly root = new LabelNode<T>();
  private entries = 0;

  constructor(
    private readonly labelNames: readonly string[],
    private readonly create: (labels: Record<string, string>) => T,
    private readonly maxEntries = Number.POSITIVE_INFINITY,
  ) {}

  get size(): number {
    return this.entries;
  }

  /** The entry for these values (in label-name order, one per name), made on first sight; undefined when full. */
  get(values: readonly string[]): T | undefined {
    let node = this.root;
    for (let i = 0; i < values.length; i++) {
      const value = values[i]!;
      if (value === node.lastValue) {
        node = node.lastChild!;
        continue;
      }
      const child = node.children?.get(value);
      if (child === undefined) return this.add(node, values, i);
      node.lastValue = value;
      node.lastChild = child;
      node = child;
    }
    return node.entry;
  }

  /** The entry for these values if there is one; never makes one. */
  find(values: readonly string[]): T | undefined {
    let node: LabelNode<T> | undefined = this.root;
    for (let i = 0; i < values.length && node !== undefined; i++) node = node.children?.get(values[i]!);
    return node?.entry;
  }

  private add(parent: LabelNode<T>, values: readonly string[], from: number): T | undefined {
    if (this.entries >= this.maxEntries) return undefined;
    let node = parent;
    for (let i = from; i < values.length; i++) {
      const child = new LabelNode<T>();
      (node.children ??= new Map()).set(values[i]!, child);
      node = child;
    }
    const labels: Record<string, string> = {};
    this.labelNames.forEach((name, i) => {
      labels[name] = values[i]!;
    });
    node.entry = this.create(labels);
    this.entries++;
    return node.entry;
  }
}

class LabelNode<T> {
  private children: Map<string, LabelNode<T>> | undefined;
  entry: T | undefined;

  child(value: string): LabelNode<T> {
    this.children ??= new Map();
    let node = this.children.get(value);
    if (node === undefined) {
      node = new LabelNode();
      this.children.set(value, node);
    }
    return node;
  }
}

/**
 * One entry per distinct combination of two to four label values, found by one Map lookup
 * per label. Label values are mostly constant strings whose hash V8 keeps, so a lookup costs
 * tens of nanoseconds and allocates nothing, where prom-client joins, hashes and validates a
 * label object on every call. Label cardinality is bounded by design: entries are never dropped.
 */
export class LabelTree<T> {
  private readonly root = new LabelNode<T>();

  constructor(
    private readonly labelNames: readonly string[],
    private readonly create: (labels: Record<string, string>) => T,
  ) {}

  /**
   * The entry for these label values, given in label-name order and as many as there are
   * names, made on first sight. Fixed parameters, not a rest array: this runs per flow.
   */
  get(v0: string, v1: string, v2?: string, v3?: string): T {
    let node = this.root.child(v0).child(v1);
    if (v2 !== undefined) node = node.child(v2);
    if (v3 !== undefined) node = node.child(v3);
    node.entry ??= this.create(this.labelsOf([v0, v1, v2, v3]));
    return node.entry;
  }

  private labelsOf(values: readonly (string | undefined)[]): Record<string, string> {
    const labels: Record<string, string> = {};
    this.labelNames.forEach((name, i) => {
      labels[name] = values[i]!;
    });
    return labels;
  }
}

import { CONTEXT_OPTION_KEYS, ContextLabels, OptionProblem } from './context-options.js';

// Cilium's `hubble-metrics` syntax: metrics separated by spaces (or given as a list), each
// `name` or `name:option;option=value;...`, e.g. `dns:query;ignoreAAAA` or
// `httpV2:exemplars=true;labelsContext=source_ip,destination_ip`.

export const METRIC_NAMES = ['dns', 'drop', 'flow', 'flows-to-world', 'http', 'httpV2', 'icmp', 'port-distribution', 'tcp'] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

/** The list Cilium's documentation enables in its metrics quick start. */
export const DEFAULT_METRICS: readonly string[] = [
  'dns',
  'drop',
  'tcp',
  'flow',
  'port-distribution',
  'icmp',
  'httpV2:exemplars=true;labelsContext=source_ip,source_namespace,source_workload,destination_ip,destination_namespace,destination_workload,traffic_direction',
];

/** Options each metric takes besides the context options; each is a switch (`query`) or true/false (`query=false`). */
const METRIC_OPTIONS: Record<MetricName, readonly string[]> = {
  dns: ['query', 'ignoreAAAA'],
  drop: [],
  flow: [],
  'flows-to-world': ['any-drop', 'port', 'syn-only'],
  http: ['exemplars'],
  httpV2: ['exemplars'],
  icmp: [],
  'port-distribution': [],
  tcp: [],
};

/** One enabled metric with its options. */
export interface MetricSpec {
  readonly name: MetricName;
  readonly context: ContextLabels;
  /** The metric's own switches (not the context options) that are on, in Cilium's spelling. */
  readonly switches: ReadonlySet<string>;
}

function parseSwitch(metric: string, key: string, value: string | undefined): boolean {
  if (value === undefined || value === '' || value === 'true') return true;
  if (value === 'false') return false;
  throw new OptionProblem(`${metric}: ${key}=${value}: accepted: ${key}, ${key}=true, ${key}=false`);
}

function parseOne(entry: string): MetricSpec {
  const colon = entry.indexOf(':');
  const nameText = colon === -1 ? entry : entry.slice(0, colon);
  const name = METRIC_NAMES.find((known) => known === nameText);
  if (name === undefined) {
    throw new OptionProblem(`${JSON.stringify(nameText)} is not a Hubble metric; accepted: ${METRIC_NAMES.join(', ')}`);
  }
  const own = METRIC_OPTIONS[name];
  const byLower = new Map([...own, ...CONTEXT_OPTION_KEYS].map((key) => [key.toLowerCase(), key]));
  const options = new Map<string, string>();
  const switches = new Set<string>();
  for (const option of colon === -1 ? [] : entry.slice(colon + 1).split(';')) {
    if (option === '') continue;
    const equals = option.indexOf('=');
    const keyText = equals === -1 ? option : option.slice(0, equals);
    const value = equals === -1 ? undefined : option.slice(equals + 1);
    const key = byLower.get(keyText.toLowerCase());
    if (key === undefined) {
      const accepted = [...own, ...CONTEXT_OPTION_KEYS].join(', ');
      throw new OptionProblem(`${name}: ${JSON.stringify(keyText)} is not an option of ${name}; accepted: ${accepted}`);
    }
    if ((CONTEXT_OPTION_KEYS as readonly string[]).includes(key)) {
      if (value === undefined || value === '') throw new OptionProblem(`${name}: ${key} needs a value (${key}=...)`);
      options.set(key.toLowerCase(), value);
    } else if (parseSwitch(name, key, value)) {
      switches.add(key);
    }
  }
  try {
    return { name, context: new ContextLabels(options), switches };
  } catch (err) {
    if (err instanceof OptionProblem) throw new OptionProblem(`${name}: ${err.message}`);
    throw err;
  }
}

/** Parses and checks a metric list; throws OptionProblem naming the entry and what is accepted. */
export function parseMetricSpecs(entries: readonly string[]): MetricSpec[] {
  const specs: MetricSpec[] = [];
  for (const entry of entries) {
    const spec = parseOne(entry);
    if (specs.some((seen) => seen.name === spec.name)) throw new OptionProblem(`${spec.name} is listed twice; accepted: each metric once`);
    specs.push(spec);
  }
  if (specs.some((s) => s.name === 'http') && specs.some((s) => s.name === 'httpV2')) {
    throw new OptionProblem('http and httpV2 are both listed; accepted: one of them (they share metric names)');
  }
  return specs;
}

import { endpointText } from './endpoint-text.js';
import type { MeteredFlow } from './metered-flow.js';

// Cilium's context options of a Hubble metric: `sourceContext`, `destinationContext` (and
// their Egress/Ingress forms) fill one `source` or `destination` label from the first of
// `|`-separated identifiers that is not empty; `labelsContext` adds one label per name.

export const CONTEXT_IDENTIFIERS = [
  'identity', 'namespace', 'pod', 'pod-short', 'pod-name', 'dns', 'ip', 'reserved-identity', 'workload', 'workload-name', 'app',
] as const;
export type ContextIdentifier = (typeof CONTEXT_IDENTIFIERS)[number];

/** labelsContext names, in the order their labels take. */
export const CONTEXT_LABELS = [
  'source_ip', 'source_pod', 'source_namespace', 'source_workload', 'source_workload_kind', 'source_app',
  'destination_ip', 'destination_pod', 'destination_namespace', 'destination_workload', 'destination_workload_kind', 'destination_app',
  'traffic_direction',
] as const;
export type ContextLabel = (typeof CONTEXT_LABELS)[number];

/** Option keys in Cilium's spelling; keys are matched without regard to case, as upstream does. */
export const CONTEXT_OPTION_KEYS = [
  'sourceContext', 'sourceEgressContext', 'sourceIngressContext',
  'destinationContext', 'destinationEgressContext', 'destinationIngressContext',
  'labelsContext',
] as const;

export class OptionProblem extends Error {}

type Side = 'source' | 'destination';
type Value = (view: MeteredFlow, side: Side) => string;

function endpointOf(view: MeteredFlow, side: Side) {
  return side === 'source' ? view.source : view.destination;
}

const IDENTIFIER_VALUES: Record<ContextIdentifier, Value> = {
  identity: (v, side) => endpointText(endpointOf(v, side)).identity,
  namespace: (v, side) => endpointOf(v, side)?.namespace ?? '',
  pod: (v, side) => endpointText(endpointOf(v, side)).pod,
  'pod-short': (v, side) => endpointText(endpointOf(v, side)).podShort,
  'pod-name': (v, side) => endpointOf(v, side)?.pod_name ?? '',
  dns: (v, side) => (side === 'source' ? v.sourceNames() : v.destinationNames()).join(','),
  ip: (v, side) => (side === 'source' ? v.sourceIp() : v.destinationIp()),
  'reserved-identity': (v, side) => endpointText(endpointOf(v, side)).reservedIdentity,
  workload: (v, side) => endpointText(endpointOf(v, side)).workload,
  'workload-name': (v, side) => endpointText(endpointOf(v, side)).workloadName,
  app: (v, side) => endpointText(endpointOf(v, side)).app,
};

const DIRECTION_LABELS = { TRAFFIC_DIRECTION_UNKNOWN: 'unknown', INGRESS: 'ingress', EGRESS: 'egress' } as const;

function labelValue(label: ContextLabel): Value {
  if (label === 'traffic_direction') return (v) => DIRECTION_LABELS[v.trafficDirection];
  const own: Side = label.startsWith('source_') ? 'source' : 'destination';
  const other: Side = own === 'source' ? 'destination' : 'source';
  const field = label.slice(own.length + 1);
  // `side` is 'source' normally and 'destination' when the flow is read inverted (a response).
  const pick = (side: Side): Side => (side === 'source' ? own : other);
  switch (field) {
    case 'ip':
      return (v, side) => IDENTIFIER_VALUES.ip(v, pick(side));
    case 'pod':
      return (v, side) => endpointOf(v, pick(side))?.pod_name ?? '';
    case 'namespace':
      return (v, side) => endpointOf(v, pick(side))?.namespace ?? '';
    case 'workload':
      return (v, side) => endpointText(endpointOf(v, pick(side))).workloadName;
    case 'workload_kind':
      return (v, side) => endpointText(endpointOf(v, pick(side))).workloadKind;
    default:
      return (v, side) => endpointText(endpointOf(v, pick(side))).app;
  }
}

const expectedIdentifiers = `identifiers separated by | from ${CONTEXT_IDENTIFIERS.join(', ')}`;

function parseIdentifiers(key: string, text: string): ContextIdentifier[] {
  return text.split('|').map((part) => {
    const id = part.trim().toLowerCase();
    if (!(CONTEXT_IDENTIFIERS as readonly string[]).includes(id)) {
      throw new OptionProblem(`${key}=${text}: ${JSON.stringify(part)} is not a context; accepted: ${expectedIdentifiers}`);
    }
    return id as ContextIdentifier;
  });
}

function parseLabels(text: string): Set<ContextLabel> {
  const labels = new Set<ContextLabel>();
  for (const part of text.split(',')) {
    const label = part.trim();
    if (!(CONTEXT_LABELS as readonly string[]).includes(label)) {
      throw new OptionProblem(`labelsContext=${text}: ${JSON.stringify(part)} is not a context label; accepted: labels separated by , from ${CONTEXT_LABELS.join(', ')}`);
    }
    labels.add(label as ContextLabel);
  }
  return labels;
}

interface SideContext {
  any: readonly ContextIdentifier[];
  egress: readonly ContextIdentifier[] | undefined;
  ingress: readonly ContextIdentifier[] | undefined;
}

/** The context labels of one metric, from its options. */
export class ContextLabels {
  /** Label names, after the metric's own. */
  readonly names: readonly string[];
  private readonly labelValues: readonly Value[];
  private readonly source: SideContext | undefined;
  private readonly destination: SideContext | undefined;

  /** Reads the context options among `options` (lower-cased key -> value); other keys are left to the handler. */
  constructor(options: ReadonlyMap<string, string> = new Map()) {
    const get = (key: string): string | undefined => options.get(key.toLowerCase());
    const side = (name: Side): SideContext | undefined => {
      const any = get(`${name}Context`);
      const egress = get(`${name}EgressContext`);
      const ingress = get(`${name}IngressContext`);
      if (any === undefined && egress === undefined && ingress === undefined) return undefined;
      return {
        any: any === undefined ? [] : parseIdentifiers(`${name}Context`, any),
        egress: egress === undefined ? undefined : parseIdentifiers(`${name}EgressContext`, egress),
        ingress: ingress === undefined ? undefined : parseIdentifiers(`${name}IngressContext`, ingress),
      };
    };
    const labelsText = get('labelsContext');
    const labels = labelsText === undefined ? new Set<ContextLabel>() : parseLabels(labelsText);
    const ordered = CONTEXT_LABELS.filter((label) => labels.has(label));
    this.labelValues = ordered.map(labelValue);
    this.source = side('source');
    this.destination = side('destination');
    this.names = [...ordered, ...(this.source ? ['source'] : []), ...(this.destination ? ['destination'] : [])];
  }

  /**
   * Writes the label values into `values` from index `at`. `invert` reads the flow from the
   * other end (a response labelled as its request): source labels describe its destination.
   */
  fill(view: MeteredFlow, values: string[], at: number, invert = false): void {
    const own: Side = invert ? 'destination' : 'source';
    for (const value of this.labelValues) values[at++] = value(view, own);
    if (this.source) values[at++] = this.sideValue(this.source, view, own);
    if (this.destination) values[at++] = this.sideValue(this.destination, view, invert ? 'source' : 'destination');
  }

  private sideValue(context: SideContext, view: MeteredFlow, side: Side): string {
    let ids = context.any;
    if (view.trafficDirection === 'EGRESS' && context.egress) ids = context.egress;
    else if (view.trafficDirection === 'INGRESS' && context.ingress) ids = context.ingress;
    for (const id of ids) {
      const value = IDENTIFIER_VALUES[id](view, side);
      if (value !== '') return value;
    }
    return '';
  }
}

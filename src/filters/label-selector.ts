import { badFilter } from './bad-request.js';

/** A flow endpoint label `[source:]key[=value]`, e.g. `k8s:app=nginx`. */
interface EndpointLabel {
  source: string | undefined;
  key: string;
  value: string;
}

type Operator = 'exists' | 'not-exists' | 'in' | 'not-in';

interface Requirement {
  /** Undefined when the selector names no source: labels from any source match. */
  source: string | undefined;
  key: string;
  operator: Operator;
  values: string[];
}

export type LabelSelector = (labels: readonly string[]) => boolean;

const KEY = '[A-Za-z0-9][-A-Za-z0-9_./]*';
const VALUE = '[-A-Za-z0-9_.]*';
const SOURCED_KEY = `((?:[A-Za-z0-9][-A-Za-z0-9_.]*:)?${KEY})`;
const REQUIREMENT_FORMS: [RegExp, (m: RegExpExecArray) => Omit<Requirement, 'source' | 'key'> & { sourcedKey: string }][] = [
  [new RegExp(`^${SOURCED_KEY}$`), (m) => ({ sourcedKey: m[1] ?? '', operator: 'exists', values: [] })],
  [new RegExp(`^!\\s*${SOURCED_KEY}$`), (m) => ({ sourcedKey: m[1] ?? '', operator: 'not-exists', values: [] })],
  [new RegExp(`^${SOURCED_KEY}\\s*(==?|!=)\\s*(${VALUE})$`), (m) => ({
    sourcedKey: m[1] ?? '',
    operator: m[2] === '!=' ? 'not-in' : 'in',
    values: [m[3] ?? ''],
  })],
  [new RegExp(`^${SOURCED_KEY}\\s+(in|notin)\\s*\\(([^()]*)\\)$`), (m) => ({
    sourcedKey: m[1] ?? '',
    operator: m[2] === 'notin' ? 'not-in' : 'in',
    values: (m[3] ?? '').split(',').map((v) => v.trim()),
  })],
];

function splitSourcedKey(sourcedKey: string): { source: string | undefined; key: string } {
  const colon = sourcedKey.indexOf(':');
  return colon === -1 ? { source: undefined, key: sourcedKey } : { source: sourcedKey.slice(0, colon), key: sourcedKey.slice(colon + 1) };
}

function parseEndpointLabel(label: string): EndpointLabel {
  const eq = label.indexOf('=');
  const sourcedKey = eq === -1 ? label : label.slice(0, eq);
  const value = eq === -1 ? '' : label.slice(eq + 1);
  return { ...splitSourcedKey(sourcedKey), value };
}

// Splits on commas that are not inside `( … )`.
function splitRequirements(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth += 1;
    if (ch === ')') depth -= 1;
    if (ch === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current.trim());
  return parts;
}

function parseRequirement(field: string, selector: string, text: string): Requirement {
  for (const [form, build] of REQUIREMENT_FORMS) {
    const match = form.exec(text);
    if (match === null) continue;
    const { sourcedKey, operator, values } = build(match);
    if (values.some((v) => !new RegExp(`^${VALUE}$`).test(v))) break;
    return { ...splitSourcedKey(sourcedKey), operator, values };
  }
  throw badFilter(field, selector, 'a label selector such as "app=web", "app", "!app", "tier in (a,b)" or "k8s:app!=db"');
}

/**
 * A Kubernetes-style label selector over endpoint labels: requirements separated by commas
 * must all hold. A key without a `source:` prefix matches labels from any source.
 */
export function parseLabelSelector(field: string, selector: string): LabelSelector {
  if (selector.trim() === '') throw badFilter(field, selector, 'a non-empty label selector');
  const requirements = splitRequirements(selector).map((text) => parseRequirement(field, selector, text));
  return (labels) => {
    const parsed = labels.map(parseEndpointLabel);
    return requirements.every((req) => {
      const found = parsed.filter((l) => l.key === req.key && (req.source === undefined || req.source === l.source));
      switch (req.operator) {
        case 'exists':
          return found.length > 0;
        case 'not-exists':
          return found.length === 0;
        case 'in':
          return found.some((l) => req.values.includes(l.value));
        case 'not-in':
          return found.every((l) => !req.values.includes(l.value));
      }
    });
  };
}

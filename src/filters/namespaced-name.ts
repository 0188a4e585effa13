import type { Flow } from '../proto/flow.js';
import { badFilter } from './bad-request.js';
import type { FlowPredicate } from './flow-predicate.js';

/**
 * `[namespace/][name-prefix]` filters as the hubble CLI sends them for pods and services
 * (`kube-system/coredns-`, `kube-system/` for a whole namespace, `xwing` without one).
 * The namespace must equal the flow's; the name must start with the prefix.
 */
export function namespacedNamePredicate(
  field: string,
  values: string[] | undefined,
  pick: (flow: Flow) => { namespace?: string; name?: string } | undefined,
): FlowPredicate | undefined {
  if (values === undefined || values.length === 0) return undefined;
  const wanted = values.map((value) => {
    if (value === '') throw badFilter(field, value, '[namespace/][name]');
    const slash = value.indexOf('/');
    return slash === -1 ? { namespace: '', prefix: value } : { namespace: value.slice(0, slash), prefix: value.slice(slash + 1) };
  });
  return (flow) => {
    const picked = pick(flow);
    const namespace = picked?.namespace ?? '';
    const name = picked?.name ?? '';
    if (namespace === '' && name === '') return false;
    return wanted.some((w) => w.namespace === namespace && (w.prefix === '' || name.startsWith(w.prefix)));
  };
}

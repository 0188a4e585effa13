import type { Endpoint, Workload } from '../proto/flow.js';
import { allOf, anyOf, type FilterKind } from './flow-predicate.js';

// Each set part (name, kind) of a Workload filter must equal one of the endpoint's workloads.
function hasWorkload(endpoint: Endpoint | undefined, wanted: Workload): boolean {
  return (endpoint?.workloads ?? []).some(
    (w) => (!wanted.name || wanted.name === w.name) && (!wanted.kind || wanted.kind === w.kind),
  );
}

export const workloadFilter: FilterKind = (filter) =>
  allOf([
    anyOf(filter.source_workload, (wanted, flow) => hasWorkload(flow.source, wanted)),
    anyOf(filter.destination_workload, (wanted, flow) => hasWorkload(flow.destination, wanted)),
  ]);

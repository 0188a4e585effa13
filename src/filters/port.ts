import type { Flow, SCTP, TCP, UDP } from '../proto/flow.js';
import { badFilter } from './bad-request.js';
import { allOf, type FilterKind, type FlowPredicate } from './flow-predicate.js';

const MAX_PORT = 65535;

// Only TCP, UDP and SCTP have ports; ICMP flows never match a port filter.
function transport(flow: Flow): TCP | UDP | SCTP | undefined {
  const l4 = flow.l4;
  return l4?.TCP ?? l4?.UDP ?? l4?.SCTP;
}

function portPredicate(field: string, values: string[] | undefined, pick: (ports: TCP | UDP | SCTP) => number | undefined): FlowPredicate | undefined {
  if (values === undefined || values.length === 0) return undefined;
  const wanted = new Set<number>();
  for (const value of values) {
    const port = Number(value);
    if (!/^\d{1,5}$/.test(value) || port > MAX_PORT) throw badFilter(field, value, `a port number 0-${MAX_PORT}`);
    wanted.add(port);
  }
  return (flow) => {
    const ports = transport(flow);
    return ports !== undefined && wanted.has(pick(ports) ?? 0);
  };
}

export const portFilter: FilterKind = (filter) =>
  allOf([
    portPredicate('source_port', filter.source_port, (ports) => ports.source_port),
    portPredicate('destination_port', filter.destination_port, (ports) => ports.destination_port),
  ]);

import type { Flow, FlowFilter } from '../proto/flow.js';
import { dnsQueryFilter } from './dns.js';
import { dropReasonFilter } from './drop-reason.js';
import { eventTypeFilter } from './event-type.js';
import { allOf, type FilterKind, type FlowPredicate } from './flow-predicate.js';
import { fqdnFilter } from './fqdn.js';
import { httpFilter } from './http.js';
import { identityFilter } from './identity.js';
import { interfaceFilter } from './interface.js';
import { ipVersionFilter } from './ip-version.js';
import { ipFilter } from './ip.js';
import { labelFilter } from './labels.js';
import { nodeNameFilter } from './node-name.js';
import { podFilter } from './pod.js';
import { portFilter } from './port.js';
import { protocolFilter } from './protocol.js';
import { PatternCompiler } from './regex.js';
import { replyFilter } from './reply.js';
import { serviceFilter } from './service.js';
import { tcpFlagsFilter } from './tcp-flags.js';
import { trafficDirectionFilter } from './traffic-direction.js';
import { uuidFilter } from './uuid.js';
import { verdictFilter } from './verdict.js';
import { workloadFilter } from './workload.js';

const FILTER_KINDS: readonly FilterKind[] = [
  uuidFilter,
  ipFilter,
  podFilter,
  fqdnFilter,
  labelFilter,
  serviceFilter,
  workloadFilter,
  trafficDirectionFilter,
  verdictFilter,
  dropReasonFilter,
  interfaceFilter,
  eventTypeFilter,
  protocolFilter,
  portFilter,
  replyFilter,
  dnsQueryFilter,
  identityFilter,
  httpFilter,
  tcpFlagsFilter,
  nodeNameFilter,
  ipVersionFilter,
];

const MATCH_ALL: FlowPredicate = () => true;

/** One FlowFilter: every set field must match. A filter with no field set matches every flow. */
export function compileFlowFilter(filter: FlowFilter, patterns: PatternCompiler): FlowPredicate {
  return allOf(FILTER_KINDS.map((kind) => kind(filter, patterns))) ?? MATCH_ALL;
}

/**
 * A request's filters: a flow passes when it matches any whitelist filter (or none is given)
 * and no blacklist filter. Invalid values throw FlowlensError('FL_BAD_REQUEST').
 */
export function compileFilterLists(whitelist: readonly FlowFilter[] = [], blacklist: readonly FlowFilter[] = []): (flow: Flow) => boolean {
  const patterns = new PatternCompiler();
  const allowed = whitelist.map((filter) => compileFlowFilter(filter, patterns));
  const denied = blacklist.map((filter) => compileFlowFilter(filter, patterns));
  return (flow) => (allowed.length === 0 || allowed.some((p) => p(flow))) && !denied.some((p) => p(flow));
}

import { DropReasonMapper } from '../parser/drop-reason.js';
import type { FlowFilter } from '../proto/flow.js';
import type { RecordSlot } from '../store/flow-store.js';
import { allSlotChecks, type SlotCheck, type SlotCheckContext, type SlotCheckKind } from './slot-check.js';
import { dropReasonSlotCheck } from './slot-drop-reason.js';
import { eventTypeSlotCheck } from './slot-event-type.js';
import { interfaceSlotCheck } from './slot-interface.js';
import { ipVersionSlotCheck } from './slot-ip-version.js';
import { ipSlotCheck } from './slot-ip.js';
import { l7SlotCheck } from './slot-l7.js';
import { nodeNameSlotCheck } from './slot-node-name.js';
import { portSlotCheck } from './slot-port.js';
import { protocolSlotCheck } from './slot-protocol.js';
import { replySlotCheck } from './slot-reply.js';
import { tcpFlagsSlotCheck } from './slot-tcp-flags.js';
import { trafficDirectionSlotCheck } from './slot-traffic-direction.js';
import { verdictSlotCheck } from './slot-verdict.js';

// A request's filters tried on a held L3/L4 record before its flow is built. False means the
// built flow certainly fails compileFilterLists(whitelist, blacklist); true means build it
// and run that predicate. The L3/L4 fields are decided on the record's bytes and ingest facts
// exactly as on the built flow, and the L7 ones (DNS, HTTP) never match an L3/L4 flow; the
// others (endpoints, names, uuid) are left to the flow, so a filter with one of them only
// narrows (whitelist) or is skipped (blacklist).

/** Which FlowFilter fields the slot checks decide; the type makes this list complete. */
const DECIDED_ON_SLOT: Readonly<Record<keyof FlowFilter, boolean>> = {
  source_ip: true,
  destination_ip: true,
  source_port: true,
  destination_port: true,
  protocol: true,
  verdict: true,
  tcp_flags: true,
  traffic_direction: true,
  event_type: true,
  interface: true,
  node_name: true,
  reply: true,
  ip_version: true,
  drop_reason_desc: true,
  dns_query: true,
  http_status_code: true,
  http_method: true,
  http_path: true,
  http_url: true,
  http_header: true,
  uuid: false,
  source_pod: false,
  destination_pod: false,
  source_fqdn: false,
  destination_fqdn: false,
  source_label: false,
  destination_label: false,
  source_service: false,
  destination_service: false,
  source_workload: false,
  destination_workload: false,
  source_identity: false,
  destination_identity: false,
};

const SLOT_CHECK_KINDS: readonly SlotCheckKind[] = [
  ipSlotCheck,
  portSlotCheck,
  protocolSlotCheck,
  verdictSlotCheck,
  tcpFlagsSlotCheck,
  trafficDirectionSlotCheck,
  eventTypeSlotCheck,
  interfaceSlotCheck,
  nodeNameSlotCheck,
  replySlotCheck,
  ipVersionSlotCheck,
  dropReasonSlotCheck,
  l7SlotCheck,
];

export interface SlotPrefilterOptions {
  /** The node name the flow builder writes into every flow. */
  nodeName: string;
  /** Kernel skb_drop_reason value -> name, as given to the flow builder. */
  dropReasonNames: ReadonlyMap<number, string>;
}

export type SlotPrefilter = (slot: RecordSlot) => boolean;

const MATCH_ALL: SlotCheck = () => true;

/** True when every field of `filter` that is set is decided on the slot. */
export function isDecidedOnSlot(filter: FlowFilter): boolean {
  for (const [field, values] of Object.entries(filter)) {
    if (DECIDED_ON_SLOT[field as keyof FlowFilter] === false && Array.isArray(values) && values.length > 0) return false;
  }
  return true;
}

/**
 * True when the prefilter of these lists gives compileFilterLists' own answer on every held
 * record (every filter in them is decided on the slot), so a record it passes need not be built.
 */
export function slotPrefilterDecides(whitelist: readonly FlowFilter[] = [], blacklist: readonly FlowFilter[] = []): boolean {
  return whitelist.every(isDecidedOnSlot) && blacklist.every(isDecidedOnSlot);
}

/** The L3/L4 part of one FlowFilter: false when the filter certainly does not match. */
function compileSlotCheck(filter: FlowFilter, context: SlotCheckContext): SlotCheck {
  return allSlotChecks(SLOT_CHECK_KINDS.map((kind) => kind(filter, context))) ?? MATCH_ALL;
}

/**
 * The prefilter of a request's filter lists. Compile it after compileFilterLists accepted
 * them: it refuses invalid IPs, ports, protocols and node name patterns with the same errors,
 * but does not validate the other fields.
 */
export function compileSlotPrefilter(
  whitelist: readonly FlowFilter[] = [],
  blacklist: readonly FlowFilter[] = [],
  options: SlotPrefilterOptions,
): SlotPrefilter {
  const context: SlotCheckContext = { nodeName: options.nodeName, dropReasons: new DropReasonMapper(options.dropReasonNames) };
  const allowed = whitelist.map((filter) => compileSlotCheck(filter, context));
  // A blacklist filter excludes a slot only when the slot decides all of it.
  const denied = blacklist.filter(isDecidedOnSlot).map((filter) => compileSlotCheck(filter, context));
  if (allowed.length === 0 && denied.length === 0) return MATCH_ALL;
  if (allowed.length === 1 && denied.length === 0) return allowed[0]!;
  return (slot) => {
    if (allowed.length > 0) {
      let any = false;
      for (const check of allowed) {
        if (check(slot)) {
          any = true;
          break;
        }
      }
      if (!any) return false;
    }
    for (const check of denied) if (check(slot)) return false;
    return true;
  };
}

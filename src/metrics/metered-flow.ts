import type { DropReason, Endpoint, Flow, FlowType, IPVersion, Layer7, TrafficDirection, Verdict } from '../proto/flow.js';

export type L4Protocol = 'TCP' | 'UDP' | 'ICMPv4' | 'ICMPv6' | 'SCTP';

/** TCP flag bits of MeteredFlow.tcpFlags, in the order of the TCP header's flag bits. */
export const TCP_FLAG = { FIN: 1, SYN: 2, RST: 4, PSH: 8, ACK: 16, URG: 32, ECE: 64, CWR: 128, NS: 256 } as const;

/**
 * What the flow metric handlers read of a flow, and nothing more: an ingest path can count a
 * flow from its binary record without building a Flow. Text that costs to make (addresses,
 * names, the trace id) is read through methods, so an implementation can make it on demand.
 */
export interface MeteredFlow {
  readonly type: FlowType;
  readonly verdict: Verdict;
  /** The monitor event type (CiliumEventType.type) and sub type. */
  readonly eventType: number;
  readonly eventSubType: number;
  readonly ipVersion: IPVersion;
  /** Undefined when the flow has no L4 header. */
  readonly l4Protocol: L4Protocol | undefined;
  /** 0 when the protocol has no ports. */
  readonly sourcePort: number;
  readonly destinationPort: number;
  /** TCP_FLAG bits; 0 for other protocols. */
  readonly tcpFlags: number;
  /** ICMPv4 or ICMPv6 type and code; 0 for other protocols. */
  readonly icmpType: number;
  readonly icmpCode: number;
  /** Undefined when it is not known whether the flow is a reply. */
  readonly isReply: boolean | undefined;
  readonly trafficDirection: TrafficDirection;
  /** The DropReason of a dropped flow (drop_reason_desc); DROP_REASON_UNKNOWN otherwise. */
  readonly dropReasonDesc: DropReason;
  readonly source: Endpoint | undefined;
  readonly destination: Endpoint | undefined;
  /** The `reason` label of a drop: the kernel's drop reason name when the flow has one, else dropReasonDesc. */
  dropReasonName(): string;
  sourceIp(): string;
  destinationIp(): string;
  sourceNames(): readonly string[];
  destinationNames(): readonly string[];
  /** The L7 record of an L7 flow (DNS or HTTP). */
  l7(): Layer7 | undefined;
  /** The W3C trace id the flow carries; '' when none. */
  traceId(): string;
}

const NO_NAMES: readonly string[] = [];

// The parser ends a kernel drop's Summary with the kernel's skb_drop_reason name
// ("UDP, kernel drop reason NO_SOCKET"): Hubble's DropReason enum has no value for most of them.
const KERNEL_REASON_IN_SUMMARY = /kernel drop reason ([A-Z][A-Z0-9_]{0,63})$/;

function tcpFlagBits(flow: Flow): number {
  const flags = flow.l4?.TCP?.flags;
  if (!flags) return 0;
  let bits = 0;
  for (const name of Object.keys(TCP_FLAG) as (keyof typeof TCP_FLAG)[]) if (flags[name]) bits |= TCP_FLAG[name];
  return bits;
}

function l4ProtocolOf(flow: Flow): L4Protocol | undefined {
  const l4 = flow.l4;
  if (!l4) return undefined;
  if (l4.TCP) return 'TCP';
  if (l4.UDP) return 'UDP';
  if (l4.ICMPv4) return 'ICMPv4';
  if (l4.ICMPv6) return 'ICMPv6';
  if (l4.SCTP) return 'SCTP';
  return undefined;
}

/** A MeteredFlow over a decoded Flow (L7 flows, tests). */
export function meteredFlowOf(flow: Flow): MeteredFlow {
  const l4 = flow.l4;
  const ports = l4?.TCP ?? l4?.UDP ?? l4?.SCTP;
  const icmp = l4?.ICMPv4 ?? l4?.ICMPv6;
  return {
    type: flow.Type ?? 'UNKNOWN_TYPE',
    verdict: flow.verdict ?? 'VERDICT_UNKNOWN',
    eventType: flow.event_type?.type ?? 0,
    eventSubType: flow.event_type?.sub_type ?? 0,
    ipVersion: flow.IP?.ipVersion ?? 'IP_NOT_USED',
    l4Protocol: l4ProtocolOf(flow),
    sourcePort: ports?.source_port ?? 0,
    destinationPort: ports?.destination_port ?? 0,
    tcpFlags: tcpFlagBits(flow),
    icmpType: icmp?.type ?? 0,
    icmpCode: icmp?.code ?? 0,
    isReply: flow.is_reply?.value,
    trafficDirection: flow.traffic_direction ?? 'TRAFFIC_DIRECTION_UNKNOWN',
    dropReasonDesc: flow.drop_reason_desc ?? 'DROP_REASON_UNKNOWN',
    source: flow.source,
    destination: flow.destination,
    dropReasonName: () => KERNEL_REASON_IN_SUMMARY.exec(flow.Summary ?? '')?.[1] ?? flow.drop_reason_desc ?? 'DROP_REASON_UNKNOWN',
    sourceIp: () => flow.IP?.source ?? '',
    destinationIp: () => flow.IP?.destination ?? '',
    sourceNames: () => flow.source_names ?? NO_NAMES,
    destinationNames: () => flow.destination_names ?? NO_NAMES,
    l7: () => flow.l7,
    traceId: () => flow.trace_context?.parent?.trace_id ?? '',
  };
}

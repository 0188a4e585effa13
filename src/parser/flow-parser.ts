import { statSync } from 'node:fs';
import type { CapturedInterface, InterfaceLookup } from '../capture/source.js';
import type { NativeRecord } from '../native/records.js';
import { MONITOR_EVENT_TYPE, type Flow, type NetworkInterface } from '../proto/flow.js';
import { DropReasonMapper } from './drop-reason.js';
import { flowUuid } from './flow-uuid.js';
import { ipOf, l3l4Summary, layer4Of } from './l3l4.js';
import { observationPoint, TRACE_SUB_TYPES, trafficDirection } from './observation-point.js';
import { ReplyTracker, type ConnectionTableStats } from './reply-tracker.js';

// Native records -> Hubble L3/L4 flows. Flow and payload records become forwarded traces
// (event type 4), drop records become drops (event type 1); socket and TLS records are
// not L3/L4 flows and yield nothing here. Runs once per record: no per-record closures,
// lookups are map hits, shared parts (TCP flag objects) are precomputed.

const NS_PER_SECOND = 1_000_000_000n;
const DEFAULT_CONNECTION_TABLE_SIZE = 65_536;

export interface FlowParserOptions {
  nodeName: string;
  interfaces: InterfaceLookup;
  /** Kernel skb_drop_reason value -> name without prefix (from the native binding). */
  dropReasonNames: ReadonlyMap<number, string>;
  /** Connections remembered for is_reply. */
  connectionTableSize?: number;
  /** Inode of the agent's network namespace; drop records from other namespaces carry foreign ifindexes. */
  netnsInode?: number;
  /** DNS names learned by the L7 parser, for source_names/destination_names. */
  names?: NameLookup;
}

export interface NameLookup {
  /** Unexpired names of the address at the given time (ns, the records' wall clock). */
  namesOf(ip: string, nowNs?: bigint): string[];
}

export interface FlowParserStats {
  forwarded: number;
  dropped: number;
  /** Records of kinds that are not L3/L4 flows (socket, TLS). */
  ignored: number;
}

function ownNetnsInode(): number {
  return statSync('/proc/self/ns/net').ino;
}

export class FlowParser {
  private readonly replies: ReplyTracker;
  private readonly dropReasons: DropReasonMapper;
  private readonly netnsInode: number;
  private readonly counts: FlowParserStats = { forwarded: 0, dropped: 0, ignored: 0 };

  constructor(private readonly options: FlowParserOptions) {
    this.replies = new ReplyTracker(options.connectionTableSize ?? DEFAULT_CONNECTION_TABLE_SIZE);
    this.dropReasons = new DropReasonMapper(options.dropReasonNames);
    this.netnsInode = options.netnsInode ?? ownNetnsInode();
  }

  stats(): FlowParserStats {
    return { ...this.counts };
  }

  /** The connections remembered for is_reply. */
  connectionTable(): ConnectionTableStats {
    return this.replies.tableStats();
  }

  parse(record: NativeRecord): Flow | undefined {
    switch (record.kind) {
      case 'flow':
      case 'payload':
        this.counts.forwarded++;
        return this.forwarded(record);
      case 'drop':
        this.counts.dropped++;
        return this.dropped(record);
      default:
        this.counts.ignored++;
        return undefined;
    }
  }

  private forwarded(record: NativeRecord): Flow {
    const iface = this.options.interfaces.lookupInterface(record.ifindex);
    const role = iface?.role ?? 'network';
    const isReply = this.replies.observe(record);
    const point = observationPoint(role, record.direction);
    const flow: Flow = {
      time: timestampOf(record.timeNs),
      uuid: flowUuid(),
      verdict: 'FORWARDED',
      IP: ipOf(record),
      Type: 'L3_L4',
      node_name: this.options.nodeName,
      reply: isReply,
      event_type: { type: MONITOR_EVENT_TYPE.TRACE, sub_type: TRACE_SUB_TYPES[point] },
      traffic_direction: trafficDirection(role, record.direction, isReply),
      trace_observation_point: point,
      is_reply: { value: isReply },
      interface: networkInterfaceOf(iface, record.ifindex),
      Summary: l3l4Summary(record),
    };
    const l4 = layer4Of(record);
    if (l4 !== undefined) flow.l4 = l4;
    this.addNames(flow, record);
    return flow;
  }

  private dropped(record: NativeRecord): Flow {
    // The kernel frees packets in whatever namespace they reached: only an ifindex from
    // the agent's own namespace names one of our interfaces.
    const iface = record.aux === this.netnsInode ? this.options.interfaces.lookupInterface(record.ifindex) : undefined;
    const isReply = this.replies.peek(record);
    const reason = this.dropReasons.resolve(record.dropReason);
    const flow: Flow = {
      time: timestampOf(record.timeNs),
      uuid: flowUuid(),
      verdict: 'DROPPED',
      drop_reason: reason.number,
      IP: ipOf(record),
      Type: 'L3_L4',
      node_name: this.options.nodeName,
      reply: isReply,
      event_type: { type: MONITOR_EVENT_TYPE.DROP, sub_type: reason.number },
      traffic_direction: trafficDirection(iface?.role ?? 'network', record.direction, isReply),
      trace_observation_point: 'UNKNOWN_POINT',
      drop_reason_desc: reason.desc,
      is_reply: { value: isReply },
      Summary: `${l3l4Summary(record)}, kernel drop reason ${reason.kernelName}`,
    };
    const l4 = layer4Of(record);
    if (l4 !== undefined) flow.l4 = l4;
    if (iface !== undefined) flow.interface = networkInterfaceOf(iface, record.ifindex);
    this.addNames(flow, record);
    return flow;
  }

  private addNames(flow: Flow, record: NativeRecord): void {
    const names = this.options.names;
    if (names === undefined) return;
    const sourceNames = names.namesOf(record.source, record.timeNs);
    if (sourceNames.length > 0) flow.source_names = sourceNames;
    const destinationNames = names.namesOf(record.destination, record.timeNs);
    if (destinationNames.length > 0) flow.destination_names = destinationNames;
  }
}

function timestampOf(timeNs: bigint): { seconds: number; nanos: number } {
  return { seconds: Number(timeNs / NS_PER_SECOND), nanos: Number(timeNs % NS_PER_SECOND) };
}

function networkInterfaceOf(iface: CapturedInterface | undefined, ifindex: number): NetworkInterface {
  return iface === undefined ? { index: ifindex } : { index: iface.index, name: iface.name };
}

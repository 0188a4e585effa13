import {
  OFFSET_DADDR,
  OFFSET_DPORT,
  OFFSET_FAMILY,
  OFFSET_ICMP_CODE,
  OFFSET_ICMP_TYPE,
  OFFSET_PROTOCOL,
  OFFSET_SADDR,
  OFFSET_SPORT,
  OFFSET_TCP_FLAGS,
} from '../native/records.js';
import type { L4Protocol, MeteredFlow } from '../metrics/metered-flow.js';
import type { DropReason, Endpoint, FlowType, IPVersion, Layer7, TrafficDirection, Verdict } from '../proto/flow.js';
import type { SlotFacts } from '../store/flow-store.js';
import { AddressText } from './address-text.js';
import type { DropReasonInfo, DropReasonMapper } from './drop-reason.js';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP } from './ip-protocols.js';
import { ipVersionOf } from './l3l4.js';
import { dropReasonOf, eventSubTypeOf, eventTypeOf, isDropRecord, trafficDirectionOf, verdictOf } from './record-fields.js';

// The flow metrics' view of an L3/L4 record as ingest stores it, read from the capture
// buffer and the facts ingest learned, so flows are counted without building a Flow. One
// instance is pointed at each record in turn; it means what FlowBuilder would build from the
// same slot (both derive from ./record-fields.ts; a test holds the two to agreement).

const NO_NAMES: readonly string[] = [];

export class RecordMeteredFlow implements MeteredFlow {
  readonly type: FlowType = 'L3_L4';
  private buf: Buffer = Buffer.alloc(0);
  private at = 0;
  private facts: SlotFacts | undefined;
  private readonly addresses = new AddressText();

  constructor(private readonly dropReasons: DropReasonMapper) {}

  /** Points the view at the record at `buf[at]` and what ingest learned of it. */
  set(buf: Buffer, at: number, facts: SlotFacts): this {
    this.buf = buf;
    this.at = at;
    this.facts = facts;
    return this;
  }

  private get dropped(): boolean {
    return isDropRecord(this.buf, this.at);
  }

  private get protocol(): number {
    return this.buf[this.at + OFFSET_PROTOCOL]!;
  }

  private dropReason(): DropReasonInfo {
    return dropReasonOf(this.buf, this.at, this.dropReasons);
  }

  get verdict(): Verdict {
    return verdictOf(this.buf, this.at);
  }

  get eventType(): number {
    return eventTypeOf(this.buf, this.at);
  }

  get eventSubType(): number {
    return eventSubTypeOf(this.buf, this.at, this.facts?.iface, this.dropReasons);
  }

  get ipVersion(): IPVersion {
    return ipVersionOf(this.buf, this.at);
  }

  get l4Protocol(): L4Protocol | undefined {
    switch (this.protocol) {
      case IPPROTO_TCP:
        return 'TCP';
      case IPPROTO_UDP:
        return 'UDP';
      case IPPROTO_ICMP:
        return 'ICMPv4';
      case IPPROTO_ICMPV6:
        return 'ICMPv6';
      default:
        return undefined;
    }
  }

  private get hasPorts(): boolean {
    const protocol = this.protocol;
    return protocol === IPPROTO_TCP || protocol === IPPROTO_UDP;
  }

  private get isIcmp(): boolean {
    const protocol = this.protocol;
    return protocol === IPPROTO_ICMP || protocol === IPPROTO_ICMPV6;
  }

  get sourcePort(): number {
    return this.hasPorts ? this.buf.readUInt16LE(this.at + OFFSET_SPORT) : 0;
  }

  get destinationPort(): number {
    return this.hasPorts ? this.buf.readUInt16LE(this.at + OFFSET_DPORT) : 0;
  }

  /** The record's flag bits are the TCP header's, as TCP_FLAG numbers them. */
  get tcpFlags(): number {
    return this.protocol === IPPROTO_TCP ? this.buf[this.at + OFFSET_TCP_FLAGS]! : 0;
  }

  get icmpType(): number {
    return this.isIcmp ? this.buf[this.at + OFFSET_ICMP_TYPE]! : 0;
  }

  get icmpCode(): number {
    return this.isIcmp ? this.buf[this.at + OFFSET_ICMP_CODE]! : 0;
  }

  get isReply(): boolean {
    return this.facts?.isReply ?? false;
  }

  get trafficDirection(): TrafficDirection {
    return trafficDirectionOf(this.buf, this.at, this.facts?.iface, this.isReply);
  }

  get dropReasonDesc(): DropReason {
    return this.dropped ? this.dropReason().desc : 'DROP_REASON_UNKNOWN';
  }

  get source(): Endpoint | undefined {
    return this.facts?.source;
  }

  get destination(): Endpoint | undefined {
    return this.facts?.destination;
  }

  dropReasonName(): string {
    return this.dropped ? this.dropReason().kernelName : 'DROP_REASON_UNKNOWN';
  }

  sourceIp(): string {
    return this.addresses.of(this.buf, this.at + OFFSET_SADDR, this.buf[this.at + OFFSET_FAMILY]!);
  }

  destinationIp(): string {
    return this.addresses.of(this.buf, this.at + OFFSET_DADDR, this.buf[this.at + OFFSET_FAMILY]!);
  }

  sourceNames(): readonly string[] {
    return this.facts?.sourceNames ?? NO_NAMES;
  }

  destinationNames(): readonly string[] {
    return this.facts?.destinationNames ?? NO_NAMES;
  }

  l7(): Layer7 | undefined {
    return undefined;
  }

  traceId(): string {
    return '';
  }
}

import { statSync } from 'node:fs';
import type { InterfaceLookup } from '../capture/source.js';
import {
  decodeRecordAt,
  DIRECTION_EGRESS,
  DIRECTION_INGRESS,
  KIND_DROP,
  KIND_FLOW,
  KIND_LINK,
  KIND_LOST,
  KIND_PAYLOAD,
  KIND_TLS,
  MAX_RECORD_BYTES,
  OFFSET_AUX,
  OFFSET_DADDR,
  OFFSET_DIRECTION,
  OFFSET_FAMILY,
  OFFSET_IFINDEX,
  OFFSET_KIND,
  OFFSET_REASON,
  OFFSET_SADDR,
  OFFSET_SIZE,
  RECORD_ALIGNMENT_BYTES,
  RECORD_BYTES,
  type NativeRecord,
} from '../native/records.js';
import type { FlowEnricher } from '../enrich/flow-enricher.js';
import type { Endpoint, Flow } from '../proto/flow.js';
import type { FlowStore, SlotFacts } from '../store/flow-store.js';
import { AddressText } from './address-text.js';
import type { FlowBuilder } from './flow-builder.js';
import type { L7FlowParser } from './l7/l7-flow-parser.js';
import { ReplyTracker, type ConnectionTableStats } from './reply-tracker.js';

// Native records -> the flow store, with no object per record: each L3/L4 record's bytes are
// copied into a store slot beside what only capture time knows (is_reply from the connection
// table, the interface, both endpoints and their DNS names as the indexes hold them now).
// Payload and TLS records also go to the L7 parser, which is fed a built flow: they are few.

const DEFAULT_CONNECTION_TABLE_SIZE = 65_536;
const MAX_EMIT_REASON = 4;

export interface EndpointLookup extends FlowEnricher {
  /** The endpoint of an address: a shared, frozen object (pod, host, remote node or world). */
  resolve(ip: string): Endpoint;
}

export interface NameLookup {
  /** Unexpired names of the address now. */
  namesOf(ip: string): string[];
}

/** What ingest hands on for every flow it stores (metrics, namespaces seen). */
export interface IngestedFlowSink {
  /** An L3/L4 flow now held at `sequence`: its record at `buf[at]` and what ingest learned of it. */
  onRecordFlow(buf: Buffer, at: number, facts: Readonly<SlotFacts>, sequence: number): void;
  /** An L7 flow (also held in the store). */
  onFlow(flow: Flow): void;
}

export interface RecordIngestOptions {
  store: FlowStore;
  builder: FlowBuilder;
  interfaces: InterfaceLookup;
  endpoints?: EndpointLookup;
  names?: NameLookup;
  l7Parser?: L7FlowParser;
  sink?: IngestedFlowSink;
  /** Connections remembered for is_reply. */
  connectionTableSize?: number;
  /** Inode of the agent's network namespace; drop records from other namespaces carry foreign ifindexes. */
  netnsInode?: number;
}

export interface RecordIngestStats {
  forwarded: number;
  dropped: number;
  /** Records of kinds that are not L3/L4 flows (socket, TLS). */
  ignored: number;
  l7: number;
  malformedBytes: number;
}

export class RecordIngest {
  private readonly replies: ReplyTracker;
  private readonly addresses = new AddressText();
  private readonly netnsInode: number;
  private readonly counts: RecordIngestStats = { forwarded: 0, dropped: 0, ignored: 0, l7: 0, malformedBytes: 0 };
  // Reused too: the store copies the facts into its slot.
  private readonly facts: SlotFacts = { isReply: false, iface: undefined, source: undefined, destination: undefined, sourceNames: undefined, destinationNames: undefined };

  constructor(private readonly options: RecordIngestOptions) {
    this.replies = new ReplyTracker(options.connectionTableSize ?? DEFAULT_CONNECTION_TABLE_SIZE);
    this.netnsInode = options.netnsInode ?? statSync('/proc/self/ns/net').ino;
  }

  stats(): RecordIngestStats {
    return { ...this.counts };
  }

  /** The connections remembered for is_reply. */
  connectionTable(): ConnectionTableStats {
    return this.replies.tableStats();
  }

  /** Stores every whole record in `buffer[0, length)`; followers are told once at the end. */
  ingest(buffer: Buffer, length: number): void {
    const { store } = this.options;
    const before = store.nextSequence;
    let malformed = 0;
    let at = 0;
    while (at < length) {
      const size = length - at >= RECORD_BYTES ? buffer.readUInt16LE(at + OFFSET_SIZE) : 0;
      // A size that cannot be right leaves no way to find the next record: the rest is skipped.
      if (size < RECORD_BYTES || size > MAX_RECORD_BYTES || size % RECORD_ALIGNMENT_BYTES !== 0 || at + size > length) {
        malformed += length - at;
        break;
      }
      if (!this.ingestOne(buffer, at, size)) malformed += size;
      at += size;
    }
    this.counts.malformedBytes += malformed;
    const stored = store.nextSequence - before;
    if (stored > 0) store.publish(stored);
  }

  /** False when the record is malformed. */
  private ingestOne(buf: Buffer, at: number, size: number): boolean {
    const kind = buf[at + OFFSET_KIND]!;
    // Loss and link records are the capture's own news, handled before ingest.
    if (kind === KIND_LOST || kind === KIND_LINK) return true;
    const family = buf[at + OFFSET_FAMILY];
    const direction = buf[at + OFFSET_DIRECTION];
    if (kind < KIND_FLOW || kind > KIND_TLS || buf[at + OFFSET_REASON]! > MAX_EMIT_REASON) return false;
    if ((family !== 4 && family !== 6) || (direction !== DIRECTION_INGRESS && direction !== DIRECTION_EGRESS)) return false;
    switch (kind) {
      case KIND_FLOW:
        this.counts.forwarded++;
        this.storeRecord(buf, at, family, false);
        return true;
      case KIND_DROP:
        this.counts.dropped++;
        this.storeRecord(buf, at, family, true);
        return true;
      case KIND_PAYLOAD:
        return this.payload(buf, at, size, family);
      case KIND_TLS:
        this.counts.ignored++;
        return this.tls(buf, at, size);
      default:
        return false;
    }
  }

  private payload(buf: Buffer, at: number, size: number, family: number): boolean {
    const record = decodeRecordAt(buf, at, size);
    if (record === undefined) return false;
    this.counts.forwarded++;
    const sequence = this.storeRecord(buf, at, family, false);
    this.l7(record, sequence);
    return true;
  }

  private tls(buf: Buffer, at: number, size: number): boolean {
    const record = decodeRecordAt(buf, at, size);
    if (record === undefined) return false;
    this.l7(record, undefined);
    return true;
  }

  /** The L7 flow of a payload record (its L3/L4 flow held at `sequence`) or a TLS record, if it carries one. */
  private l7(record: NativeRecord, sequence: number | undefined): void {
    const { l7Parser, store, builder } = this.options;
    if (l7Parser === undefined) return;
    const l3l4 = sequence === undefined ? undefined : builder.build(store.recordSlot(sequence));
    const summary = l3l4?.Summary;
    const flow = l7Parser.parse(record, l3l4);
    // A TLS ClientHello in the payload adds to the L3/L4 flow's Summary.
    if (sequence !== undefined && l3l4 !== undefined && l3l4.Summary !== summary && l3l4.Summary !== undefined) {
      store.setSummary(sequence, l3l4.Summary);
    }
    if (flow === undefined) return;
    this.options.endpoints?.enrich(flow);
    this.counts.l7++;
    store.holdFlow(flow);
    this.options.sink?.onFlow(flow);
  }

  private storeRecord(buf: Buffer, at: number, family: number, dropped: boolean): number {
    const { interfaces, endpoints, names, store, sink } = this.options;
    const source = this.addresses.of(buf, at + OFFSET_SADDR, family);
    const destination = this.addresses.of(buf, at + OFFSET_DADDR, family);
    const ifindex = buf.readUInt32LE(at + OFFSET_IFINDEX);
    // The kernel frees packets in whatever namespace they reached: only an ifindex from the
    // agent's own namespace names one of our interfaces.
    const ownNamespace = !dropped || buf.readUInt32LE(at + OFFSET_AUX) === this.netnsInode;
    const facts = this.facts;
    facts.isReply = dropped ? this.replies.peek(buf, at) : this.replies.observe(buf, at);
    facts.iface = ownNamespace ? interfaces.lookupInterface(ifindex) : undefined;
    facts.source = endpoints?.resolve(source);
    facts.destination = endpoints?.resolve(destination);
    facts.sourceNames = namesOrUndefined(names, source);
    facts.destinationNames = namesOrUndefined(names, destination);
    const sequence = store.pushRecord(buf, at, facts);
    sink?.onRecordFlow(buf, at, facts, sequence);
    return sequence;
  }
}

function namesOrUndefined(names: NameLookup | undefined, ip: string): readonly string[] | undefined {
  if (names === undefined) return undefined;
  const found = names.namesOf(ip);
  return found.length > 0 ? found : undefined;
}

// The `Flow` message written by hand into a ProtoWriter, byte for byte what protobufjs's
// fromObject + encode produce for the same object (test/proto/ compares them on generated
// flows): fields in field-number order, a field written whenever it is present (even when it
// holds its default), repeated fields only when non-empty, every set member of a oneof.
// Field numbers are those of protos/flow/flow.proto (upstream cilium/cilium api/v1/flow).
import type {
  BoolValue,
  CiliumEventType,
  DNS,
  Endpoint,
  Ethernet,
  Flow,
  HTTP,
  HTTPHeader,
  Int32Value,
  IP,
  Layer4,
  Layer7,
  LostEvent,
  NetworkInterface,
  Service,
  TCP,
  TCPFlags,
  Timestamp,
  TraceContext,
  Workload,
} from './flow.js';
import { protoRoot } from './load.js';
import { ProtoWriter, WIRE_LENGTH_DELIMITED as LEN, WIRE_VARINT as VARINT } from './proto-writer.js';

type EnumNumbers = Readonly<Record<string, number>>;

function enumNumbers(name: string): EnumNumbers {
  return protoRoot.lookupEnum(name).values;
}

const VERDICT = enumNumbers('flow.Verdict');
const FLOW_TYPE = enumNumbers('flow.FlowType');
const TRAFFIC_DIRECTION = enumNumbers('flow.TrafficDirection');
const TRACE_OBSERVATION_POINT = enumNumbers('flow.TraceObservationPoint');
const DROP_REASON = enumNumbers('flow.DropReason');
export const IP_VERSION = enumNumbers('flow.IPVersion');
const L7_FLOW_TYPE = enumNumbers('flow.L7FlowType');
const LOST_EVENT_SOURCE = enumNumbers('flow.LostEventSource');

/** An enum field: its name, or a number as protobufjs passes it through; anything else is left out. */
function writeEnum(w: ProtoWriter, field: number, value: string | number | undefined | null, numbers: EnumNumbers): void {
  if (value == null) return;
  const number = typeof value === 'number' ? value : numbers[value];
  if (number === undefined) return;
  w.tag(field, VARINT);
  w.int32(number);
}

function writeUint32(w: ProtoWriter, field: number, value: number | undefined | null): void {
  if (value == null) return;
  w.tag(field, VARINT);
  w.uint32(value);
}

function writeInt32(w: ProtoWriter, field: number, value: number | undefined | null): void {
  if (value == null) return;
  w.tag(field, VARINT);
  w.int32(value);
}

function writeUint64(w: ProtoWriter, field: number, value: number | undefined | null): void {
  if (value == null) return;
  w.tag(field, VARINT);
  w.int64(value);
}

function writeBool(w: ProtoWriter, field: number, value: boolean | undefined | null): void {
  if (value == null) return;
  w.tag(field, VARINT);
  w.bool(Boolean(value));
}

function writeString(w: ProtoWriter, field: number, value: string | undefined | null): void {
  if (value == null) return;
  w.tag(field, LEN);
  w.string(String(value));
}

function writeStrings(w: ProtoWriter, field: number, values: readonly string[] | undefined | null): void {
  if (!values) return;
  for (const value of values) writeString(w, field, value);
}

function writeMessage<T>(w: ProtoWriter, field: number, value: T | undefined | null, body: (w: ProtoWriter, value: T) => void): void {
  if (value == null) return;
  w.tag(field, LEN);
  const at = w.beginMessage();
  body(w, value);
  w.endMessage(at);
}

/** Writes the fields of a google.protobuf.Timestamp message. */
export function writeTimestamp(w: ProtoWriter, ts: Timestamp): void {
  writeUint64(w, 1, ts.seconds);
  writeInt32(w, 2, ts.nanos);
}

function writePorts(w: ProtoWriter, ports: { source_port?: number; destination_port?: number }): void {
  writeUint32(w, 1, ports.source_port);
  writeUint32(w, 2, ports.destination_port);
}

function writeTcpFlags(w: ProtoWriter, flags: TCPFlags): void {
  writeBool(w, 1, flags.FIN);
  writeBool(w, 2, flags.SYN);
  writeBool(w, 3, flags.RST);
  writeBool(w, 4, flags.PSH);
  writeBool(w, 5, flags.ACK);
  writeBool(w, 6, flags.URG);
  writeBool(w, 7, flags.ECE);
  writeBool(w, 8, flags.CWR);
  writeBool(w, 9, flags.NS);
}

function writeIcmp(w: ProtoWriter, icmp: { type?: number; code?: number }): void {
  writeUint32(w, 1, icmp.type);
  writeUint32(w, 2, icmp.code);
}

function writeTcp(w: ProtoWriter, tcp: TCP): void {
  writePorts(w, tcp);
  writeMessage(w, 3, tcp.flags, writeTcpFlags);
}

function writeLayer4(w: ProtoWriter, l4: Layer4): void {
  writeMessage(w, 1, l4.TCP, writeTcp);
  writeMessage(w, 2, l4.UDP, writePorts);
  writeMessage(w, 3, l4.ICMPv4, writeIcmp);
  writeMessage(w, 4, l4.ICMPv6, writeIcmp);
  writeMessage(w, 5, l4.SCTP, writePorts);
}

function writeIp(w: ProtoWriter, ip: IP): void {
  writeString(w, 1, ip.source);
  writeString(w, 2, ip.destination);
  writeEnum(w, 3, ip.ipVersion, IP_VERSION);
  writeBool(w, 4, ip.encrypted);
}

function writeWorkload(w: ProtoWriter, workload: Workload): void {
  writeString(w, 1, workload.name);
  writeString(w, 2, workload.kind);
}

function writeEndpoint(w: ProtoWriter, endpoint: Endpoint): void {
  writeUint32(w, 1, endpoint.ID);
  writeUint32(w, 2, endpoint.identity);
  writeString(w, 3, endpoint.namespace);
  writeStrings(w, 4, endpoint.labels);
  writeString(w, 5, endpoint.pod_name);
  if (endpoint.workloads) for (const workload of endpoint.workloads) writeMessage(w, 6, workload, writeWorkload);
  writeString(w, 7, endpoint.cluster_name);
}

function writeDns(w: ProtoWriter, dns: DNS): void {
  writeString(w, 1, dns.query);
  writeStrings(w, 2, dns.ips);
  writeUint32(w, 3, dns.ttl);
  writeStrings(w, 4, dns.cnames);
  writeString(w, 5, dns.observation_source);
  writeUint32(w, 6, dns.rcode);
  writeStrings(w, 7, dns.qtypes);
  writeStrings(w, 8, dns.rrtypes);
}

function writeHeader(w: ProtoWriter, header: HTTPHeader): void {
  writeString(w, 1, header.key);
  writeString(w, 2, header.value);
}

function writeHttp(w: ProtoWriter, http: HTTP): void {
  writeUint32(w, 1, http.code);
  writeString(w, 2, http.method);
  writeString(w, 3, http.url);
  writeString(w, 4, http.protocol);
  if (http.headers) {
    for (const header of http.headers) {
      writeMessage(w, 5, header, writeHeader);
    }
  }
}

function writeLayer7(w: ProtoWriter, l7: Layer7): void {
  writeEnum(w, 1, l7.type, L7_FLOW_TYPE);
  writeUint64(w, 2, l7.latency_ns);
  writeMessage(w, 100, l7.dns, writeDns);
  writeMessage(w, 101, l7.http, writeHttp);
}

function writeEventType(w: ProtoWriter, eventType: CiliumEventType): void {
  writeInt32(w, 1, eventType.type);
  writeInt32(w, 2, eventType.sub_type);
}

function writeService(w: ProtoWriter, service: Service): void {
  writeString(w, 1, service.name);
  writeString(w, 2, service.namespace);
}

function writeEthernet(w: ProtoWriter, ethernet: Ethernet): void {
  writeString(w, 1, ethernet.source);
  writeString(w, 2, ethernet.destination);
}

function writeBoolValue(w: ProtoWriter, value: BoolValue): void {
  writeBool(w, 1, value.value);
}

function writeInterface(w: ProtoWriter, iface: NetworkInterface): void {
  writeUint32(w, 1, iface.index);
  writeString(w, 2, iface.name);
}

function writeTraceParent(w: ProtoWriter, parent: { trace_id?: string }): void {
  writeString(w, 1, parent.trace_id);
}

function writeTraceContext(w: ProtoWriter, context: TraceContext): void {
  writeMessage(w, 1, context.parent, writeTraceParent);
}

/** Writes the fields of `flow` (the body of a flow.Flow message) at the writer's position. */
export function writeFlow(w: ProtoWriter, flow: Flow): void {
  writeMessage(w, 1, flow.time, writeTimestamp);
  writeEnum(w, 2, flow.verdict, VERDICT);
  writeUint32(w, 3, flow.drop_reason);
  writeMessage(w, 4, flow.ethernet, writeEthernet);
  writeMessage(w, 5, flow.IP, writeIp);
  writeMessage(w, 6, flow.l4, writeLayer4);
  writeMessage(w, 8, flow.source, writeEndpoint);
  writeMessage(w, 9, flow.destination, writeEndpoint);
  writeEnum(w, 10, flow.Type, FLOW_TYPE);
  writeString(w, 11, flow.node_name);
  writeStrings(w, 13, flow.source_names);
  writeStrings(w, 14, flow.destination_names);
  writeMessage(w, 15, flow.l7, writeLayer7);
  writeBool(w, 16, flow.reply);
  writeMessage(w, 19, flow.event_type, writeEventType);
  writeMessage(w, 20, flow.source_service, writeService);
  writeMessage(w, 21, flow.destination_service, writeService);
  writeEnum(w, 22, flow.traffic_direction, TRAFFIC_DIRECTION);
  writeEnum(w, 24, flow.trace_observation_point, TRACE_OBSERVATION_POINT);
  writeEnum(w, 25, flow.drop_reason_desc, DROP_REASON);
  writeMessage(w, 26, flow.is_reply, writeBoolValue);
  writeMessage(w, 28, flow.interface, writeInterface);
  writeMessage(w, 30, flow.trace_context, writeTraceContext);
  writeUint64(w, 32, flow.socket_cookie);
  writeUint64(w, 33, flow.cgroup_id);
  writeString(w, 34, flow.uuid);
  writeString(w, 100000, flow.Summary);
}

/** Writes the fields of a flow.LostEvent message. */
export function writeLostEvent(w: ProtoWriter, lost: LostEvent): void {
  writeEnum(w, 1, lost.source, LOST_EVENT_SOURCE);
  writeUint64(w, 2, lost.num_events_lost);
  writeMessage(w, 3, lost.cpu, writeInt32Value);
}

function writeInt32Value(w: ProtoWriter, value: Int32Value): void {
  writeInt32(w, 1, value.value);
}

const scratch = new ProtoWriter();

/** The flow.Flow encoding of `flow`, in a Buffer of its own. */
export function encodeFlow(flow: Flow): Buffer {
  writeFlow(scratch.reset(), flow);
  return scratch.finish();
}

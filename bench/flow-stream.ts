import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import type { GetFlowsRequest, ServerStatusResponse } from '../src/proto/observer.js';
import { protoRoot } from '../src/proto/load.js';
import { forEachField, subMessage, varintField } from './wire-fields.js';

// A GetFlows client that keeps each response as bytes: it counts flows and lost-event
// reports and, when asked, reads the 5-tuple of a flow straight from the wire.

const GET_FLOWS_METHOD = '/observer.Observer/GetFlows';
const SERVER_STATUS_METHOD = '/observer.Observer/ServerStatus';
const GET_FLOWS_RESPONSE_FLOW = 1;
const GET_FLOWS_RESPONSE_LOST_EVENTS = 3;
const LOST_EVENT_SOURCE = 1;
const LOST_EVENT_COUNT = 2;
const LOST_EVENT_SOURCES = ['UNKNOWN', 'PERF_EVENT_RING_BUFFER', 'OBSERVER_EVENTS_QUEUE', 'HUBBLE_RING_BUFFER'];
const FLOW_IP = 5;
const FLOW_L4 = 6;
const IP_SOURCE = 1;
const IP_DESTINATION = 2;
const L4_TCP = 1;
const L4_UDP = 2;
const PORT_SOURCE = 1;
const PORT_DESTINATION = 2;
const TCP_FLAGS = 3;
const FLAG_SYN = 2;
const FLAG_ACK = 5;

const requestType = protoRoot.lookupType('observer.GetFlowsRequest');
const statusRequestType = protoRoot.lookupType('observer.ServerStatusRequest');
const statusResponseType = protoRoot.lookupType('observer.ServerStatusResponse');

export interface ClientTls {
  caFile: string;
  certFile: string;
  keyFile: string;
  /** The TLS server name the agent's certificate is valid for. */
  serverName: string;
}

/** A client with a connection of its own (grpc-js would otherwise share one between clients). */
export function observerClient(address: string, tls?: ClientTls): grpc.Client {
  const ownConnection = { 'grpc.use_local_subchannel_pool': 1 };
  if (tls === undefined) return new grpc.Client(address, grpc.credentials.createInsecure(), ownConnection);
  const credentials = grpc.credentials.createSsl(readFileSync(tls.caFile), readFileSync(tls.keyFile), readFileSync(tls.certFile));
  return new grpc.Client(address, credentials, {
    ...ownConnection,
    'grpc.ssl_target_name_override': tls.serverName,
    'grpc.default_authority': tls.serverName,
  });
}

export async function serverStatus(client: grpc.Client): Promise<ServerStatusResponse> {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(
      SERVER_STATUS_METHOD,
      () => Buffer.from(statusRequestType.encode(statusRequestType.create({})).finish()),
      (bytes: Buffer) => statusResponseType.toObject(statusResponseType.decode(bytes), { longs: Number }) as ServerStatusResponse,
      {},
      (err, value) => (err ? reject(err) : resolve(value!)),
    );
  });
}

export interface FlowTuple {
  protocol: 'TCP' | 'UDP';
  source: string;
  destination: string;
  sourcePort: number;
  destinationPort: number;
  syn: boolean;
  ack: boolean;
}

/** The addresses, ports and (TCP) SYN/ACK flags of an encoded Flow; undefined for other protocols. */
export function flowTuple(flow: Buffer): FlowTuple | undefined {
  const ip = subMessage(flow, FLOW_IP);
  const l4 = subMessage(flow, FLOW_L4);
  if (ip === undefined || l4 === undefined) return undefined;
  let protocol: FlowTuple['protocol'] | undefined;
  let ports: Buffer | undefined;
  forEachField(l4, (field) => {
    if (field.bytes === undefined) return true;
    if (field.number === L4_TCP) protocol = 'TCP';
    else if (field.number === L4_UDP) protocol = 'UDP';
    else return true;
    ports = field.bytes;
    return false;
  });
  if (protocol === undefined || ports === undefined) return undefined;
  const flags = protocol === 'TCP' ? subMessage(ports, TCP_FLAGS) : undefined;
  return {
    protocol,
    source: subMessage(ip, IP_SOURCE)?.toString('latin1') ?? '',
    destination: subMessage(ip, IP_DESTINATION)?.toString('latin1') ?? '',
    sourcePort: varintField(ports, PORT_SOURCE),
    destinationPort: varintField(ports, PORT_DESTINATION),
    syn: flags !== undefined && varintField(flags, FLAG_SYN) === 1,
    ack: flags !== undefined && varintField(flags, FLAG_ACK) === 1,
  };
}

/** One GetFlows call and what has arrived on it so far. */
export class FlowStream {
  flows = 0;
  /** num_events_lost summed per source. */
  readonly lost: Record<string, number> = {};
  /** performance.now() of the first and the latest response; 0 before any. */
  firstMessageAtMs = 0;
  lastMessageAtMs = 0;
  readonly ended: Promise<void>;
  private readonly call: grpc.ClientReadableStream<Buffer>;
  private cancelled = false;

  constructor(client: grpc.Client, request: GetFlowsRequest, onFlow?: (flow: Buffer) => void) {
    const serialize = (value: GetFlowsRequest): Buffer => Buffer.from(requestType.encode(requestType.fromObject(value)).finish());
    this.call = client.makeServerStreamRequest(GET_FLOWS_METHOD, serialize, (bytes: Buffer) => bytes, request);
    this.call.on('data', (response: Buffer) => {
      this.lastMessageAtMs = performance.now();
      if (this.firstMessageAtMs === 0) this.firstMessageAtMs = this.lastMessageAtMs;
      forEachField(response, (field) => {
        if (field.bytes === undefined) return true;
        if (field.number === GET_FLOWS_RESPONSE_FLOW) {
          this.flows++;
          onFlow?.(field.bytes);
          return false;
        }
        if (field.number === GET_FLOWS_RESPONSE_LOST_EVENTS) {
          const source = LOST_EVENT_SOURCES[varintField(field.bytes, LOST_EVENT_SOURCE)] ?? 'UNKNOWN';
          this.lost[source] = (this.lost[source] ?? 0) + varintField(field.bytes, LOST_EVENT_COUNT);
          return false;
        }
        return true;
      });
    });
    this.ended = new Promise((resolve, reject) => {
      this.call.on('error', (err: grpc.ServiceError) => (this.cancelled && err.code === grpc.status.CANCELLED ? resolve() : reject(err)));
      this.call.on('end', () => resolve());
    });
    // A rejection nobody awaits yet must not crash the bench; callers await `ended` when it matters.
    this.ended.catch(() => undefined);
  }

  cancel(): void {
    this.cancelled = true;
    this.call.cancel();
  }
}

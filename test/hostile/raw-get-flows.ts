import { connect, type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2';
import type { GetFlowsRequest, GetFlowsResponse } from '../../src/proto/observer.js';
import { protoRoot } from '../../src/proto/load.js';

// A GetFlows client on a plain HTTP/2 connection of its own (node:http2, gRPC framing by
// hand), so a test decides exactly how much it reads: it can open a follow stream with a tiny
// flow-control window and never read, then start reading later and count what it got.

const GET_FLOWS_PATH = '/observer.Observer/GetFlows';
const GRPC_PREFIX_BYTES = 5;
/** GetFlowsResponse.flow (field 1, length-delimited) as the first tag of a message. */
const FLOW_TAG = 0x0a;
const requestType = protoRoot.lookupType('observer.GetFlowsRequest');
const responseType = protoRoot.lookupType('observer.GetFlowsResponse');

export interface RawGetFlows {
  session: ClientHttp2Session;
  stream: ClientHttp2Stream;
  /** Resolves when the response headers (the agent's metadata) arrived. */
  opened: Promise<void>;
  /** Flows decoded so far (only while reading). */
  flows: number;
  /** Lost-event reports decoded so far, and the events they report. */
  lostReports: number;
  lostEvents: number;
  /** Starts reading and decoding. */
  read(): void;
  close(): void;
}

export function rawGetFlows(port: number, request: GetFlowsRequest, options: { windowBytes: number; reading: boolean }): RawGetFlows {
  const session = connect(`http://127.0.0.1:${port}`, { settings: { initialWindowSize: options.windowBytes } });
  session.on('error', () => undefined);
  const body = Buffer.from(requestType.encode(requestType.fromObject(request)).finish());
  const frame = Buffer.alloc(GRPC_PREFIX_BYTES + body.length);
  frame.writeUInt32BE(body.length, 1);
  body.copy(frame, GRPC_PREFIX_BYTES);
  const stream = session.request({ ':method': 'POST', ':path': GET_FLOWS_PATH, 'content-type': 'application/grpc', te: 'trailers' });
  stream.on('error', () => undefined);
  stream.end(frame);
  if (!options.reading) stream.pause();
  const opened = new Promise<void>((resolve, reject) => {
    stream.once('response', () => resolve());
    stream.once('close', () => reject(new Error('the GetFlows stream closed before its headers')));
  });
  let pending: Buffer = Buffer.alloc(0);
  const client: RawGetFlows = {
    session,
    stream,
    opened,
    flows: 0,
    lostReports: 0,
    lostEvents: 0,
    read: () => {
      stream.on('data', (chunk: Buffer) => {
        pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
        while (pending.length >= GRPC_PREFIX_BYTES) {
          const length = pending.readUInt32BE(1);
          if (pending.length < GRPC_PREFIX_BYTES + length) break;
          const message = pending.subarray(GRPC_PREFIX_BYTES, GRPC_PREFIX_BYTES + length);
          pending = pending.subarray(GRPC_PREFIX_BYTES + length);
          // The agent writes the response_types member first: a flow costs this client one byte's look.
          if (message[0] === FLOW_TAG) {
            client.flows++;
            continue;
          }
          const response = responseType.toObject(responseType.decode(message), { longs: Number }) as GetFlowsResponse;
          if (response.flow !== undefined) client.flows++;
          if (response.lost_events !== undefined) {
            client.lostReports++;
            client.lostEvents += response.lost_events.num_events_lost ?? 0;
          }
        }
      });
      stream.resume();
    },
    close: () => {
      stream.close();
      session.destroy();
    },
  };
  if (options.reading) client.read();
  return client;
}

import * as grpc from '@grpc/grpc-js';
import type { GetFlowsRequest, GetFlowsResponse } from '../../src/proto/observer.js';
import { hubbleProtos, messageCodec, observerService } from '../../src/proto/load.js';
import { createObserverService, type ObserverOptions, type ObserverService } from '../../src/server/observer.js';
import { writeWindowInterceptor } from '../../src/server/write-window.js';
import { FlowStore } from '../../src/store/flow-store.js';
import { TEST_NODE_NAME } from './flows.js';

// A real grpc-js server on 127.0.0.1:0 (plaintext) serving the observer, and a real client
// built from the project's protos.

export const TEST_VERSION = '1.2.3-test';
const DEADLINE_MS = 10_000;

export interface ObserverHarness {
  store: FlowStore;
  observer: ObserverService;
  client: grpc.Client & Record<string, (...args: unknown[]) => unknown>;
  /** Server-side calls in arrival order, for tests that watch a call's own events. */
  serverCalls: grpc.ServerWritableStream<unknown, unknown>[];
  close(): Promise<void>;
}

export async function startObserver(
  options: Partial<ObserverOptions> & { capacity?: number } = {},
): Promise<ObserverHarness> {
  const { capacity, ...observerOptions } = options;
  const store = new FlowStore(capacity === undefined ? {} : { capacity });
  const observer = createObserverService({
    store,
    nodeName: TEST_NODE_NAME,
    version: TEST_VERSION,
    startedAtMs: Date.now(),
    ...observerOptions,
  });
  const serverCalls: grpc.ServerWritableStream<unknown, unknown>[] = [];
  const getFlows = observer.handlers.GetFlows as grpc.handleServerStreamingCall<unknown, unknown>;
  // Streams written as the agent writes them (src/server/listeners.ts).
  const server = new grpc.Server({ interceptors: [writeWindowInterceptor()] });
  server.addService(observerService, {
    ...observer.handlers,
    GetFlows: (call: grpc.ServerWritableStream<unknown, unknown>) => {
      serverCalls.push(call);
      getFlows(call);
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
  });
  const client = new hubbleProtos.observer.Observer(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as ObserverHarness['client'];
  return {
    store,
    observer,
    client,
    serverCalls,
    close: async () => {
      client.close();
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    },
  };
}

export function openGetFlows(client: ObserverHarness['client'], request: GetFlowsRequest): grpc.ClientReadableStream<GetFlowsResponse> {
  return client.GetFlows(request) as grpc.ClientReadableStream<GetFlowsResponse>;
}

/** Reads a GetFlows stream to its end. */
export function collectGetFlows(client: ObserverHarness['client'], request: GetFlowsRequest): Promise<GetFlowsResponse[]> {
  return new Promise((resolve, reject) => {
    const responses: GetFlowsResponse[] = [];
    const call = client.GetFlows(request, { deadline: Date.now() + DEADLINE_MS }) as grpc.ClientReadableStream<GetFlowsResponse>;
    call.on('data', (r: GetFlowsResponse) => responses.push(r));
    call.on('error', reject);
    call.on('end', () => resolve(responses));
  });
}

/** The status a GetFlows call ends with when the server rejects it. */
export function getFlowsError(client: ObserverHarness['client'], request: GetFlowsRequest): Promise<grpc.ServiceError> {
  return new Promise((resolve, reject) => {
    const call = client.GetFlows(request, { deadline: Date.now() + DEADLINE_MS }) as grpc.ClientReadableStream<GetFlowsResponse>;
    call.on('data', () => undefined);
    call.on('error', resolve);
    call.on('end', () => reject(new Error('GetFlows ended without an error')));
  });
}

export function unary<Res>(client: ObserverHarness['client'], method: string, request: object = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    client[method]?.(request, { deadline: Date.now() + DEADLINE_MS }, (err: grpc.ServiceError | null, res: Res) => (err ? reject(err) : resolve(res)));
  });
}

/** Polls `condition` until it holds or `timeoutMs` passes. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const getFlowsRequestCodec = messageCodec<object>('observer.GetFlowsRequest');

/** Every GetFlows response of one request as the bytes on the wire, left undecoded. */
export function getFlowsBytes(client: grpc.Client, request: GetFlowsRequest): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const messages: Buffer[] = [];
    const call = client.makeServerStreamRequest(
      '/observer.Observer/GetFlows',
      (value: GetFlowsRequest) => getFlowsRequestCodec.serialize(value),
      (bytes: Buffer) => bytes,
      request,
      { deadline: Date.now() + DEADLINE_MS },
    );
    call.on('data', (bytes: Buffer) => messages.push(bytes));
    call.on('error', reject);
    call.on('end', () => resolve(messages));
  });
}

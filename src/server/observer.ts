import * as grpc from '@grpc/grpc-js';
import { FlowlensError } from '../errors.js';
import { compileFilterLists } from '../filters/flow-filter.js';
import { compileSlotPrefilter, slotPrefilterDecides } from '../filters/slot-prefilter.js';
import { moduleLogger } from '../log.js';
import type {
  EventsRequest,
  GetAgentEventsResponse,
  GetFlowsRequest,
  GetNamespacesResponse,
  Namespace,
  ServerStatusResponse,
} from '../proto/observer.js';
import { FlowReader } from '../store/flow-reader.js';
import type { FlowStoreReader } from '../store/flow-store.js';
import { compileFieldMask, type FlowMask } from './field-mask.js';
import { getFlowsResponseBytes } from './flow-response.js';
import { toGrpcError, unimplemented } from './status.js';
import { StreamRegistry } from './stream-registry.js';

const log = moduleLogger('observer');

export const SERVER_VERSION_METADATA_KEY = 'hubble-server-version';
const NS_PER_MS = 1_000_000;

export interface ObserverOptions {
  store: FlowStoreReader;
  /**
   * This node's name as flows carry it (the name the flow builder writes into every flow, which
   * the slot prefilter and held records' shared responses take as theirs); used where an event
   * has none of its own.
   */
  nodeName: string;
  /** Kernel drop reason names, as the flows were built with them (filters on held records). */
  dropReasonNames?: ReadonlyMap<number, string>;
  /** Reported in ServerStatus and in `hubble-server-version` metadata. */
  version: string;
  /** Added to ServerStatus.version (its only free-form field): the capture mode and why it was chosen. */
  statusNote?: string;
  /** When the agent started (ms since the epoch), for ServerStatus uptime. */
  startedAtMs: number;
  /**
   * What GetNamespaces answers (duplicates removed, sorted by cluster then name): with
   * Kubernetes enrichment, the cluster's namespaces and those flows named in the last hour.
   * Without it, no flow has a namespace and the answer is empty.
   */
  namespaces?: () => Namespace[];
  now?: () => number;
}

export interface ObserverService {
  /** The grpc-js implementation of observer.Observer. */
  handlers: grpc.UntypedServiceImplementation;
  /** Open GetFlows, GetAgentEvents and GetDebugEvents streams. */
  openStreams(): number;
}

type StreamCall<Req, Res> = grpc.ServerWritableStream<Req, Res>;

export function createObserverService(options: ObserverOptions): ObserverService {
  const { store, nodeName, version, startedAtMs } = options;
  const dropReasonNames = options.dropReasonNames ?? new Map<number, string>();
  const now = options.now ?? Date.now;
  const streams = new StreamRegistry<StreamCall<unknown, unknown>>();

  function sendVersion(call: { sendMetadata(md: grpc.Metadata): void }): void {
    const metadata = new grpc.Metadata();
    metadata.set(SERVER_VERSION_METADATA_KEY, version);
    call.sendMetadata(metadata);
  }

  function openReader(request: GetFlowsRequest): { reader: FlowReader; mask: FlowMask | undefined } {
    if (request.first === true && request.follow === true) {
      throw new FlowlensError('FL_BAD_REQUEST', 'first cannot be combined with follow');
    }
    const matches = compileFilterLists(request.whitelist, request.blacklist);
    // Compiled after the full filters, which have checked every field.
    const prefilter = compileSlotPrefilter(request.whitelist, request.blacklist, { nodeName, dropReasonNames });
    const mask = compileFieldMask(request.field_mask?.paths ?? request.experimental?.field_mask?.paths);
    const reader = new FlowReader(
      store,
      {
        number: request.number ?? 0,
        first: request.first ?? false,
        follow: request.follow ?? false,
        ...(request.since === undefined ? {} : { since: request.since }),
        ...(request.until === undefined ? {} : { until: request.until }),
        matches,
        prefilter,
        // Held records are then served from the store's shared responses, their flows never
        // built; a field mask needs the flow.
        prefilterDecides: mask === undefined && slotPrefilterDecides(request.whitelist, request.blacklist),
        passStoredLostEvents: (request.whitelist ?? []).length === 0,
      },
      now,
    );
    return { reader, mask };
  }

  // Streams one GetFlows call: writes until the reader waits or the call pushes back, resumes
  // on 'drain' or on the next push into the store. A call pushes back once its write window
  // (./write-window.ts) and its writable's high-water mark are full, so a client that stops
  // reading holds a bounded number of responses and its reader stops pulling from the store;
  // when the store overtakes it, the reader reports the loss with the exact count.
  function getFlows(call: StreamCall<GetFlowsRequest, Buffer>): void {
    sendVersion(call);
    let opened: { reader: FlowReader; mask: FlowMask | undefined };
    try {
      opened = openReader(call.request);
    } catch (err) {
      call.emit('error', toGrpcError(err, 'GetFlows'));
      return;
    }
    const { reader, mask } = opened;
    let ended = false;
    let awaitingDrain = false;
    let scheduled: NodeJS.Immediate | undefined;
    let stopWatching: (() => void) | undefined;

    const pump = (): void => {
      scheduled = undefined;
      if (ended || awaitingDrain) return;
      try {
        for (;;) {
          const step = reader.nextServed();
          if (step === 'wait') return;
          if (step === 'done') {
            call.end();
            return;
          }
          if (!call.write(getFlowsResponseBytes(step, store, mask, nodeName))) {
            awaitingDrain = true;
            call.once('drain', () => {
              awaitingDrain = false;
              pump();
            });
            return;
          }
        }
      } catch (err) {
        call.emit('error', toGrpcError(err, 'GetFlows'));
      }
    };

    streams.add(call as StreamCall<unknown, unknown>, () => {
      ended = true;
      stopWatching?.();
      if (scheduled !== undefined) clearImmediate(scheduled);
    });
    if (call.request.follow === true) {
      // Woken by pushes, never by polling; batched so a burst of pushes costs one pump.
      stopWatching = store.onPush(() => {
        scheduled ??= setImmediate(pump);
      });
    }
    pump();
  }

  // flowlens has no agent or debug events: the stream ends at once, or stays open while following.
  function emptyEvents(method: string) {
    return (call: StreamCall<EventsRequest, GetAgentEventsResponse>): void => {
      sendVersion(call);
      const { first, follow } = call.request;
      if (first === true && follow === true) {
        call.emit('error', toGrpcError(new FlowlensError('FL_BAD_REQUEST', 'first cannot be combined with follow'), method));
        return;
      }
      if (follow === true) streams.add(call as StreamCall<unknown, unknown>, () => undefined);
      else call.end();
    };
  }

  function serverStatus(
    call: grpc.ServerUnaryCall<unknown, ServerStatusResponse>,
    callback: grpc.sendUnaryData<ServerStatusResponse>,
  ): void {
    sendVersion(call);
    callback(null, {
      num_flows: store.size,
      max_flows: store.capacity,
      seen_flows: store.seen,
      uptime_ns: Math.max(0, now() - startedAtMs) * NS_PER_MS,
      version: options.statusNote ? `${version} (${options.statusNote})` : version,
      flows_rate: store.flowsRate(),
    });
  }

  function getNamespaces(
    call: grpc.ServerUnaryCall<unknown, GetNamespacesResponse>,
    callback: grpc.sendUnaryData<GetNamespacesResponse>,
  ): void {
    sendVersion(call);
    const unique = new Map<string, Namespace>();
    for (const namespace of options.namespaces?.() ?? []) unique.set(`${namespace.cluster ?? ''}/${namespace.namespace ?? ''}`, namespace);
    const namespaces = [...unique.values()].sort(
      (a, b) => compareText(a.cluster ?? '', b.cluster ?? '') || compareText(a.namespace ?? '', b.namespace ?? ''),
    );
    callback(null, { namespaces });
  }

  function getNodes(call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>): void {
    sendVersion(call);
    callback(unimplemented('GetNodes is answered by hubble-relay, not by an agent'));
  }

  log.debug({ nodeName, version, capacity: store.capacity }, 'observer service created');
  return {
    handlers: {
      GetFlows: getFlows as grpc.handleServerStreamingCall<unknown, unknown>,
      GetAgentEvents: emptyEvents('GetAgentEvents') as grpc.handleServerStreamingCall<unknown, unknown>,
      GetDebugEvents: emptyEvents('GetDebugEvents') as grpc.handleServerStreamingCall<unknown, unknown>,
      GetNodes: getNodes,
      GetNamespaces: getNamespaces as grpc.handleUnaryCall<unknown, unknown>,
      ServerStatus: serverStatus as grpc.handleUnaryCall<unknown, unknown>,
    },
    openStreams: () => streams.size(),
  };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

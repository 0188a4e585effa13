import type { CaptureHandlers, InterfaceLookup } from './capture/source.js';
import type { AgentMetrics } from './metrics/registry.js';
import type { LostStage } from './native/records.js';
import { DropReasonMapper } from './parser/drop-reason.js';
import { FlowBuilder } from './parser/flow-builder.js';
import type { L7FlowParser } from './parser/l7/l7-flow-parser.js';
import { RecordIngest, type EndpointLookup, type NameLookup } from './parser/record-ingest.js';
import { RecordMeteredFlow } from './parser/record-metered-flow.js';
import { SlotFlowEncoder } from './parser/slot-flow-encoder.js';
import type { Endpoint } from './proto/flow.js';
import { timestampFromMs } from './proto/timestamp.js';
import type { FlowStore } from './store/flow-store.js';

// capture -> ingest (store, endpoints, names, L7) -> metrics, for every batch a capture source
// delivers. Flows are built from the store's slots only when something reads them.

export interface FlowPipelineOptions {
  nodeName: string;
  /** Kernel skb_drop_reason value -> name without prefix (from the native binding). */
  dropReasonNames: ReadonlyMap<number, string>;
  interfaces: InterfaceLookup;
  store: FlowStore;
  metrics: AgentMetrics;
  endpoints?: EndpointLookup;
  names?: NameLookup;
  /** L7 flows (DNS, HTTP) from payload and TLS records, beside their L3/L4 flows. */
  l7Parser?: L7FlowParser;
  /** Told the namespace of every endpoint a flow names (GetNamespaces), with the time of its batch. */
  seeNamespace?: (namespace: string, nowMs: number) => void;
  connectionTableSize?: number;
  netnsInode?: number;
  now?: () => number;
}

export interface FlowPipeline {
  handlers: CaptureHandlers;
  ingest: RecordIngest;
  builder: FlowBuilder;
}

export function createFlowPipeline(options: FlowPipelineOptions): FlowPipeline {
  const { store, metrics, seeNamespace } = options;
  const now = options.now ?? Date.now;
  const builder = new FlowBuilder({ nodeName: options.nodeName, dropReasonNames: options.dropReasonNames });
  const encoder = new SlotFlowEncoder({ nodeName: options.nodeName, dropReasonNames: options.dropReasonNames });
  store.setBuilder(
    (slot) => builder.build(slot),
    (slot) => encoder.encodeResponse(slot),
  );
  // Flow metrics read each record through one view, pointed at it in turn.
  const metered = new RecordMeteredFlow(new DropReasonMapper(options.dropReasonNames));
  // Namespaces are seen with their batch's time, read once per batch. Endpoints are shared
  // objects: one seen just before on the same side has been told already at this time.
  let batchNowMs = 0;
  let lastSource: Endpoint | undefined;
  let lastDestination: Endpoint | undefined;
  const seeEndpoints = (source: Endpoint | undefined, destination: Endpoint | undefined): void => {
    if (seeNamespace === undefined) return;
    if (source !== lastSource) {
      lastSource = source;
      if (source?.namespace) seeNamespace(source.namespace, batchNowMs);
    }
    if (destination !== lastDestination) {
      lastDestination = destination;
      if (destination?.namespace) seeNamespace(destination.namespace, batchNowMs);
    }
  };
  const ingest = new RecordIngest({
    store,
    builder,
    interfaces: options.interfaces,
    ...(options.endpoints === undefined ? {} : { endpoints: options.endpoints }),
    ...(options.names === undefined ? {} : { names: options.names }),
    ...(options.l7Parser === undefined ? {} : { l7Parser: options.l7Parser }),
    ...(options.connectionTableSize === undefined ? {} : { connectionTableSize: options.connectionTableSize }),
    ...(options.netnsInode === undefined ? {} : { netnsInode: options.netnsInode }),
    sink: {
      onRecordFlow(buf, at, facts) {
        seeEndpoints(facts.source, facts.destination);
        metrics.processL3L4(metered.set(buf, at, facts));
      },
      onFlow(flow) {
        seeEndpoints(flow.source, flow.destination);
        metrics.processFlow(flow);
      },
    },
  });
  return {
    builder,
    ingest,
    handlers: {
      onRecords(buffer: Buffer, length: number): void {
        if (seeNamespace !== undefined) {
          batchNowMs = now();
          lastSource = undefined;
          lastDestination = undefined;
        }
        ingest.ingest(buffer, length);
      },
      onLost(count: number, stage: LostStage): void {
        const source = stage === 'queue' ? 'OBSERVER_EVENTS_QUEUE' : 'PERF_EVENT_RING_BUFFER';
        store.pushLostEvent({ source, num_events_lost: count }, timestampFromMs(now()));
        metrics.lostEvents.add(source, count);
        metrics.lostEvents.addRecords(stage, count);
      },
    },
  };
}

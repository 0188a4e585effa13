import type { CaptureHandlers } from './capture/source.js';
import type { FlowEnricher } from './enrich/flow-enricher.js';
import type { AgentMetrics } from './metrics/registry.js';
import { decodeRecords, type LostStage, type NativeRecord } from './native/records.js';
import type { FlowParser } from './parser/flow-parser.js';
import type { L7FlowParser } from './parser/l7/l7-flow-parser.js';
import type { Flow } from './proto/flow.js';
import type { FlowStore } from './store/flow-store.js';

export interface FlowPipelineOptions {
  parser: FlowParser;
  /** L7 flows (DNS, HTTP) from payload and TLS records, beside their L3/L4 flows. */
  l7Parser?: L7FlowParser;
  enrichers: readonly FlowEnricher[];
  store: FlowStore;
  metrics: AgentMetrics;
  now?: () => number;
}

/** decode -> enrich -> store -> metrics, for every record a capture source delivers. */
export function createFlowPipeline(options: FlowPipelineOptions): CaptureHandlers {
  const { parser, l7Parser, enrichers, store, metrics } = options;
  const now = options.now ?? Date.now;
  const accept = (flow: Flow): void => {
    for (const enricher of enrichers) enricher.enrich(flow);
    store.pushFlow(flow);
    metrics.processFlow(flow);
  };
  const onRecord = (record: NativeRecord): void => {
    const flow = parser.parse(record);
    const l7 = record.payload === undefined ? undefined : l7Parser?.parse(record, flow);
    if (flow !== undefined) accept(flow);
    if (l7 !== undefined) accept(l7);
  };
  return {
    onRecords(buffer: Buffer, length: number): void {
      decodeRecords(buffer, length, onRecord);
    },
    onLost(count: number, stage: LostStage): void {
      const ms = now();
      const source = stage === 'queue' ? 'OBSERVER_EVENTS_QUEUE' : 'PERF_EVENT_RING_BUFFER';
      store.pushLostEvent({ source, num_events_lost: count }, { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 });
      metrics.lostEvents.add(source, count);
      metrics.lostEvents.addRecords(stage, count);
    },
  };
}

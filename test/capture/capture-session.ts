import { NativeSource } from '../../src/capture/native-source.js';
import type { CaptureMode } from '../../src/capture/mode.js';
import { dropReasonNames, type SessionConfig } from '../../src/native/binding.js';
import { FlowBuilder } from '../../src/parser/flow-builder.js';
import { RecordIngest } from '../../src/parser/record-ingest.js';
import { FlowStore } from '../../src/store/flow-store.js';
import type { Flow } from '../../src/proto/flow.js';

// A NativeSource wired to the L3/L4 parser the way the agent wires them, collecting flows.

export const WAIT_FOR_FLOWS_MS = 10_000;
const POLL_EVERY_MS = 50;

export interface CaptureSession {
  source: NativeSource;
  flows: Flow[];
  lost: number;
}

export function sessionConfig(mode: CaptureMode, overrides: Partial<SessionConfig> = {}): SessionConfig {
  return {
    mode,
    aggregate: true,
    reportIntervalMs: 1000,
    flowTableSize: 4096,
    ringBytes: 4 << 20,
    skipPorts: [],
    payloadPorts: [],
    captureDrops: mode === 'tracer',
    ...overrides,
  };
}

// Flows are copied out as they are stored, so the store only needs to hold one batch.
const STORE_CAPACITY = 1 << 16;

export function captureSession(config: SessionConfig, interfaces: readonly string[], scanIntervalMs?: number): CaptureSession {
  const session: CaptureSession = { source: undefined as unknown as NativeSource, flows: [], lost: 0 };
  const names = config.mode === 'tracer' ? dropReasonNames() : new Map<number, string>();
  const builder = new FlowBuilder({ nodeName: 'test-node', dropReasonNames: names });
  const store = new FlowStore({ capacity: STORE_CAPACITY, build: (slot) => builder.build(slot) });
  let ingest: RecordIngest | undefined;
  session.source = new NativeSource({
    session: config,
    interfaces,
    scanIntervalMs,
    handlers: {
      onRecords: (buffer, length) => {
        const before = store.nextSequence;
        ingest!.ingest(buffer, length);
        for (let sequence = before; sequence < store.nextSequence; sequence++) {
          const read = store.read(sequence);
          if (read.kind === 'event' && 'flow' in read.event) session.flows.push(read.event.flow);
        }
      },
      onLost: (count) => {
        session.lost += count;
      },
    },
  });
  ingest = new RecordIngest({ store, builder, interfaces: session.source });
  return session;
}

export async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = WAIT_FOR_FLOWS_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_EVERY_MS));
  }
}

/** The fields the tests pin, in one comparable object. */
export function view(flow: Flow) {
  return {
    verdict: flow.verdict,
    source: flow.IP?.source,
    destination: flow.IP?.destination,
    ipVersion: flow.IP?.ipVersion,
    l4: flow.l4,
    direction: flow.traffic_direction,
    point: flow.trace_observation_point,
    reply: flow.is_reply?.value,
    iface: flow.interface?.name,
    summary: flow.Summary,
    eventType: flow.event_type?.type,
    dropReason: flow.drop_reason_desc,
  };
}

export type FlowView = ReturnType<typeof view>;

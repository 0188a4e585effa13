import { randomUUID } from 'node:crypto';
import type { Flow } from '../../src/proto/flow.js';
import { timestampFromMs } from '../../src/proto/timestamp.js';

// Flows for store, filter and observer tests, built from typed values: a forwarded TCP packet
// 198.18.0.1:40000 -> 198.18.0.2:80 on node `default/node-a`, unless the test says otherwise.

export const TEST_NODE_NAME = 'default/node-a';
export const TEST_START_MS = 1_700_000_000_000;

export interface FlowOverrides extends Partial<Flow> {
  /** Sets `time` (ms since the epoch). */
  timeMs?: number;
}

export function makeFlow(overrides: FlowOverrides = {}): Flow {
  const { timeMs, ...fields } = overrides;
  return {
    time: timestampFromMs(timeMs ?? TEST_START_MS),
    uuid: randomUUID(),
    verdict: 'FORWARDED',
    IP: { source: '198.18.0.1', destination: '198.18.0.2', ipVersion: 'IPv4' },
    l4: { TCP: { source_port: 40000, destination_port: 80, flags: { SYN: true } } },
    source: { namespace: 'default', pod_name: 'client-1', labels: ['k8s:app=client'] },
    destination: { namespace: 'default', pod_name: 'server-1', labels: ['k8s:app=server'] },
    Type: 'L3_L4',
    node_name: TEST_NODE_NAME,
    event_type: { type: 4, sub_type: 0 },
    traffic_direction: 'EGRESS',
    trace_observation_point: 'TO_NETWORK',
    is_reply: { value: false },
    interface: { index: 7, name: 'eth0' },
    Summary: 'TCP Flags: SYN',
    ...fields,
  };
}

/** `count` flows one second apart starting at TEST_START_MS, each tagged by its index in `Summary`. */
export function makeFlowSeries(count: number, overrides: FlowOverrides = {}): Flow[] {
  return Array.from({ length: count }, (_, i) => makeFlow({ timeMs: TEST_START_MS + i * 1000, Summary: `flow ${i}`, ...overrides }));
}

import { describe, expect, it } from 'vitest';
import { createFlowPipeline } from '../src/flow-pipeline.js';
import { AgentMetrics } from '../src/metrics/registry.js';
import type { Endpoint } from '../src/proto/flow.js';
import { FlowStore } from '../src/store/flow-store.js';
import { encodeRecord } from './helpers/record-flows.js';
import { interfaces, record, reverse } from './helpers/records.js';

// GetNamespaces needs each namespace a flow names with the time it was seen; the clock is
// read once per batch of records, not once per flow.

const SHOP: Endpoint = Object.freeze({ namespace: 'shop', pod_name: 'web-1' });
const DB: Endpoint = Object.freeze({ namespace: 'db', pod_name: 'pg-0' });
const WORLD: Endpoint = Object.freeze({ labels: ['reserved:world'] });
const ENDPOINTS = new Map([['198.18.0.1', SHOP], ['198.18.0.2', DB]]);

function batch(...records: ReturnType<typeof record>[]): Buffer {
  return Buffer.concat(records.map(encodeRecord));
}

describe('the flow pipeline', () => {
  it('tells the namespace of both ends of every flow with the time of its batch, reading the clock once per batch', () => {
    let clockReads = 0;
    let nowMs = 1_700_000_000_000;
    const told: string[] = [];
    const pipeline = createFlowPipeline({
      nodeName: 'node-a',
      dropReasonNames: new Map(),
      interfaces: interfaces({ index: 7, name: 'veth-web', role: 'endpoint' }),
      store: new FlowStore({ capacity: 64 }),
      metrics: new AgentMetrics({ version: 'test', agentState: {} }),
      netnsInode: 1,
      endpoints: { resolve: (ip) => ENDPOINTS.get(ip) ?? WORLD, enrich: () => undefined },
      seeNamespace: (namespace, atMs) => void told.push(`${namespace}@${atMs}`),
      now: () => {
        clockReads++;
        return nowMs;
      },
    });
    const request = record({ ifindex: 7 });
    const first = batch(request, reverse(request), request, record({ ifindex: 7, destination: '198.19.0.9' }));
    pipeline.handlers.onRecords(first, first.length);
    nowMs += 5_000;
    const second = batch(record({ ifindex: 7, source: '198.19.0.9', destination: '198.18.0.2' }));
    pipeline.handlers.onRecords(second, second.length);
    expect(clockReads).toBe(2);
    const firstMs = 1_700_000_000_000;
    expect(new Set(told)).toStrictEqual(new Set([`shop@${firstMs}`, `db@${firstMs}`, `db@${firstMs + 5_000}`]));
  });
});

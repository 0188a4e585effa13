import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeFlow, makeFlowSeries, TEST_NODE_NAME } from '../helpers/flows.js';
import { collectGetFlows, startObserver, type ObserverHarness } from '../helpers/observer-server.js';

// The relay merges agents' streams by response field 1001, not by flow.time.
describe('every GetFlowsResponse carries node_name and time equal to its flow', () => {
  let h: ObserverHarness;
  beforeEach(async () => {
    h = await startObserver();
  });
  afterEach(async () => h.close());

  it('copies node_name and time from each flow, even under a field mask that drops them', async () => {
    const flows = [...makeFlowSeries(5), makeFlow({ node_name: 'other/node-b', timeMs: 1_700_000_100_000 })];
    for (const flow of flows) h.store.pushFlow(flow);
    for (const request of [{}, { field_mask: { paths: ['verdict'] } }]) {
      const responses = await collectGetFlows(h.client, request);
      expect(responses).toHaveLength(flows.length);
      responses.forEach((response, i) => {
        expect(response.response_types).toBe('flow');
        expect(response.node_name).toBe(flows[i]?.node_name);
        expect(response.time).toEqual(flows[i]?.time);
      });
    }
  });

  it('uses the agent node name for a flow that has none', async () => {
    h.store.pushFlow(makeFlow({ node_name: '' }));
    const [response] = await collectGetFlows(h.client, {});
    expect(response?.node_name).toBe(TEST_NODE_NAME);
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GetFlowsResponse } from '../../src/proto/observer.js';
import { timestampFromMs } from '../../src/proto/timestamp.js';
import { makeFlow, makeFlowSeries, TEST_START_MS } from '../helpers/flows.js';
import { collectGetFlows, openGetFlows, startObserver, waitFor, type ObserverHarness } from '../helpers/observer-server.js';

const summaries = (responses: GetFlowsResponse[]): (string | undefined)[] => responses.map((r) => r.flow?.Summary);
const at = (second: number) => timestampFromMs(TEST_START_MS + second * 1000);

describe('GetFlows since and until bound flow.time', () => {
  let h: ObserverHarness;
  beforeEach(async () => {
    h = await startObserver();
    for (const flow of makeFlowSeries(10)) h.store.pushFlow(flow);
  });
  afterEach(async () => h.close());

  it('since keeps flows at or after it', async () => {
    expect(summaries(await collectGetFlows(h.client, { since: at(7) }))).toEqual(['flow 7', 'flow 8', 'flow 9']);
  });

  it('until keeps flows at or before it', async () => {
    expect(summaries(await collectGetFlows(h.client, { until: at(1) }))).toEqual(['flow 0', 'flow 1']);
  });

  it('since and until together select the window, nanoseconds included', async () => {
    const since = { ...at(3), nanos: 1 };
    expect(summaries(await collectGetFlows(h.client, { since, until: at(5) }))).toEqual(['flow 4', 'flow 5']);
  });

  it('number with until takes the newest flows not after until', async () => {
    expect(summaries(await collectGetFlows(h.client, { number: 2, until: at(5) }))).toEqual(['flow 4', 'flow 5']);
  });

  it('a follower with until ends at the first flow past it', async () => {
    const call = openGetFlows(h.client, { follow: true, since: at(9), until: at(20) });
    const got: GetFlowsResponse[] = [];
    let ended = false;
    call.on('data', (r: GetFlowsResponse) => got.push(r));
    call.on('end', () => {
      ended = true;
    });
    call.on('error', () => undefined);
    try {
      await waitFor(() => got.length === 1, 'the held flow after since');
      h.store.pushFlow(makeFlow({ timeMs: TEST_START_MS + 15_000, Summary: 'inside' }));
      h.store.pushFlow(makeFlow({ timeMs: TEST_START_MS + 25_000, Summary: 'past until' }));
      await waitFor(() => ended, 'the stream to end');
      expect(summaries(got)).toEqual(['flow 9', 'inside']);
    } finally {
      call.cancel();
    }
  });
});

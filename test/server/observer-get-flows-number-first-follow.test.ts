import * as grpc from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GetFlowsResponse } from '../../src/proto/observer.js';
import { makeFlow, makeFlowSeries } from '../helpers/flows.js';
import { collectGetFlows, getFlowsError, openGetFlows, startObserver, waitFor, type ObserverHarness } from '../helpers/observer-server.js';

const summaries = (responses: GetFlowsResponse[]): (string | undefined)[] => responses.map((r) => r.flow?.Summary);

describe('GetFlows number, first and follow', () => {
  let h: ObserverHarness;
  beforeEach(async () => {
    h = await startObserver();
    for (const flow of makeFlowSeries(10)) h.store.pushFlow(flow);
  });
  afterEach(async () => h.close());

  it('returns the newest `number` flows, oldest of them first', async () => {
    expect(summaries(await collectGetFlows(h.client, { number: 3 }))).toEqual(['flow 7', 'flow 8', 'flow 9']);
  });

  it('returns the oldest `number` flows with first', async () => {
    expect(summaries(await collectGetFlows(h.client, { number: 3, first: true }))).toEqual(['flow 0', 'flow 1', 'flow 2']);
  });

  it('returns every held flow when number is 0', async () => {
    expect(await collectGetFlows(h.client, {})).toHaveLength(10);
  });

  it('honours number after filtering: the newest 2 matching flows', async () => {
    h.store.pushFlow(makeFlow({ Summary: 'udp', l4: { UDP: { source_port: 1, destination_port: 53 } } }));
    h.store.pushFlow(makeFlow({ Summary: 'tcp last' }));
    const got = await collectGetFlows(h.client, { number: 2, whitelist: [{ protocol: ['tcp'] }] });
    expect(summaries(got)).toEqual(['flow 9', 'tcp last']);
  });

  it('follow sends the last `number` flows, then new ones as they arrive', async () => {
    const call = openGetFlows(h.client, { number: 2, follow: true });
    const got: GetFlowsResponse[] = [];
    call.on('data', (r: GetFlowsResponse) => got.push(r));
    call.on('error', () => undefined);
    try {
      await waitFor(() => got.length === 2, 'the last two flows');
      h.store.pushFlow(makeFlow({ Summary: 'new 1' }));
      h.store.pushFlow(makeFlow({ Summary: 'new 2' }));
      await waitFor(() => got.length === 4, 'two new flows');
      expect(summaries(got)).toEqual(['flow 8', 'flow 9', 'new 1', 'new 2']);
    } finally {
      call.cancel();
    }
  });

  it('follow without number sends only new flows', async () => {
    const call = openGetFlows(h.client, { follow: true });
    const got: GetFlowsResponse[] = [];
    call.on('data', (r: GetFlowsResponse) => got.push(r));
    call.on('error', () => undefined);
    try {
      await waitFor(() => h.observer.openStreams() === 1, 'the follow stream to open');
      h.store.pushFlow(makeFlow({ Summary: 'only new' }));
      await waitFor(() => got.length === 1, 'the new flow');
      expect(summaries(got)).toEqual(['only new']);
    } finally {
      call.cancel();
    }
  });

  it('rejects first together with follow as INVALID_ARGUMENT and keeps serving', async () => {
    const err = await getFlowsError(h.client, { first: true, follow: true });
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err.details).toMatch(/first.*follow/);
    expect(await collectGetFlows(h.client, { number: 1 })).toHaveLength(1);
  });
});

import type * as grpc from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SERVER_VERSION_METADATA_KEY } from '../../src/server/observer.js';
import { makeFlow } from '../helpers/flows.js';
import { startObserver, TEST_VERSION, type ObserverHarness } from '../helpers/observer-server.js';

function metadataOf(call: grpc.Call): Promise<grpc.Metadata> {
  return new Promise((resolve) => call.on('metadata', resolve));
}

describe('every observer call carries hubble-server-version metadata', () => {
  let h: ObserverHarness;
  beforeEach(async () => {
    h = await startObserver();
    h.store.pushFlow(makeFlow());
  });
  afterEach(async () => h.close());

  for (const method of ['ServerStatus', 'GetNamespaces', 'GetNodes']) {
    it(`on ${method}`, async () => {
      const call = h.client[method]?.({}, () => undefined) as grpc.Call;
      expect((await metadataOf(call)).get(SERVER_VERSION_METADATA_KEY)).toEqual([TEST_VERSION]);
    });
  }

  for (const [method, request] of [
    ['GetFlows', { number: 1 }],
    ['GetFlows', { first: true, follow: true }],
    ['GetAgentEvents', {}],
    ['GetDebugEvents', {}],
  ] as const) {
    it(`on ${method} ${JSON.stringify(request)}`, async () => {
      const call = h.client[method]?.(request) as grpc.ClientReadableStream<unknown>;
      call.on('data', () => undefined);
      call.on('error', () => undefined);
      expect((await metadataOf(call)).get(SERVER_VERSION_METADATA_KEY)).toEqual([TEST_VERSION]);
    });
  }
});

import type * as grpc from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startObserver, waitFor, type ObserverHarness } from '../helpers/observer-server.js';

describe('GetAgentEvents and GetDebugEvents stream nothing', () => {
  let h: ObserverHarness;
  beforeEach(async () => {
    h = await startObserver();
  });
  afterEach(async () => h.close());

  for (const method of ['GetAgentEvents', 'GetDebugEvents']) {
    it(`${method} ends at once without follow`, async () => {
      const received = await new Promise<unknown[]>((resolve, reject) => {
        const got: unknown[] = [];
        const call = h.client[method]?.({ number: 10 }) as grpc.ClientReadableStream<unknown>;
        call.on('data', (d: unknown) => got.push(d));
        call.on('error', reject);
        call.on('end', () => resolve(got));
      });
      expect(received).toEqual([]);
    });

    it(`${method} stays open under follow and is released on cancel`, async () => {
      const call = h.client[method]?.({ follow: true }) as grpc.ClientReadableStream<unknown>;
      let ended = false;
      call.on('data', () => undefined);
      call.on('end', () => {
        ended = true;
      });
      call.on('error', () => undefined);
      await waitFor(() => h.observer.openStreams() === 1, 'the stream to be held open');
      expect(ended).toBe(false);
      call.cancel();
      await waitFor(() => h.observer.openStreams() === 0, 'the stream to be released');
    });
  }
});

import * as grpc from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startObserver, unary, type ObserverHarness } from '../helpers/observer-server.js';

describe('GetNodes belongs to the relay', () => {
  let h: ObserverHarness;
  beforeEach(async () => {
    h = await startObserver();
  });
  afterEach(async () => h.close());

  it('answers UNIMPLEMENTED with a reason', async () => {
    const err = (await unary(h.client, 'GetNodes').catch((e: unknown) => e)) as grpc.ServiceError;
    expect(err.code).toBe(grpc.status.UNIMPLEMENTED);
    expect(err.details).toMatch(/relay/);
  });
});

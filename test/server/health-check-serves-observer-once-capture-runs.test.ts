import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { healthService, hubbleProtos } from '../../src/proto/load.js';
import { HealthService, HealthStatusRegistry, OBSERVER_HEALTH_SERVICE } from '../../src/server/health-service.js';
import { startListeners, type RunningListeners } from '../../src/server/listeners.js';
import { collect, ownConnection, unary, waitFor } from './tls-fixture.js';

const registry = new HealthStatusRegistry();
const health = new HealthService(registry);
let listeners: RunningListeners;
let client: grpc.Client;

beforeAll(async () => {
  listeners = await startListeners({ services: [{ definition: healthService, implementation: health.implementation() }], tcpAddress: '127.0.0.1:0' });
  client = new hubbleProtos.grpc.health.v1.Health(`127.0.0.1:${listeners.tcpPort}`, grpc.credentials.createInsecure(), ownConnection());
});

afterAll(async () => {
  client?.close();
  await listeners?.stop(1_000);
});

describe('grpc.health.v1.Health', () => {
  it('answers NOT_SERVING before capture runs and SERVING after, for the observer and the server as a whole', async () => {
    await expect(unary(client, 'Check', { service: OBSERVER_HEALTH_SERVICE })).resolves.toEqual({ status: 'NOT_SERVING' });
    registry.setCaptureRunning(true);
    await expect(unary(client, 'Check', { service: 'hubble.server.Observer' })).resolves.toEqual({ status: 'SERVING' });
    await expect(unary(client, 'Check', { service: '' })).resolves.toEqual({ status: 'SERVING' });
    await expect(unary(client, 'Check', {})).resolves.toEqual({ status: 'SERVING' });
    await expect(unary(client, 'List', {})).resolves.toEqual({ statuses: { '': { status: 'SERVING' }, 'hubble.server.Observer': { status: 'SERVING' } } });
  });

  it('answers NOT_FOUND for a service it does not know', async () => {
    await expect(unary(client, 'Check', { service: 'observer.Nope' })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
  });

  it('Watch sends the status now and on every change; an unknown service is SERVICE_UNKNOWN', async () => {
    registry.setCaptureRunning(true);
    const watch = collect<{ status: string }>(client, 'Watch', { service: OBSERVER_HEALTH_SERVICE });
    const unknown = collect<{ status: string }>(client, 'Watch', { service: 'observer.Nope' });
    await waitFor('the current statuses', () => watch.received.length === 1 && unknown.received.length === 1);
    registry.setCaptureRunning(false);
    registry.setCaptureRunning(false);
    registry.setCaptureRunning(true);
    await waitFor('two changes', () => watch.received.length === 3);
    expect(watch.received.map((r) => r.status)).toEqual(['SERVING', 'NOT_SERVING', 'SERVING']);
    expect(unknown.received).toEqual([{ status: 'SERVICE_UNKNOWN' }]);
    expect(health.watcherCount()).toBe(2);
    watch.call.cancel();
    unknown.call.cancel();
    await waitFor('watches released', () => health.watcherCount() === 0);
  });
});

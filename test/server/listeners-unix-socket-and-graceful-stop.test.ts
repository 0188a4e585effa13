import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, describe, expect, it } from 'vitest';
import { healthService, hubbleProtos } from '../../src/proto/load.js';
import { HealthService, HealthStatusRegistry } from '../../src/server/health-service.js';
import { startListeners } from '../../src/server/listeners.js';
import { collect, ownConnection, unary, waitFor } from './tls-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'fl-listen-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function healthBinding(registry = new HealthStatusRegistry()) {
  return { definition: healthService, implementation: new HealthService(registry).implementation() };
}

describe('listeners', () => {
  it('serves plaintext on a unix socket in a directory it creates, mode 0660, and removes it on stop', async () => {
    const socketPath = join(dir, 'run', 'flowlens', 'hubble.sock');
    const registry = new HealthStatusRegistry();
    registry.setCaptureRunning(true);
    const listeners = await startListeners({ services: [healthBinding(registry)], unixSocketPath: socketPath, tcpAddress: '127.0.0.1:0' });
    const client = new hubbleProtos.grpc.health.v1.Health(`unix:${socketPath}`, grpc.credentials.createInsecure(), ownConnection());
    try {
      expect(statSync(socketPath).isSocket()).toBe(true);
      expect(statSync(socketPath).mode & 0o777).toBe(0o660);
      expect(listeners.unixSocketPath).toBe(socketPath);
      expect(listeners.tcpPort).toBeGreaterThan(0);
      await expect(unary(client, 'Check', { service: 'hubble.server.Observer' })).resolves.toEqual({ status: 'SERVING' });
    } finally {
      client.close();
      await listeners.stop(1_000);
    }
    expect(existsSync(socketPath)).toBe(false);
  });

  it('replaces a stale socket file, but not one in use nor a file that is not a socket', async () => {
    const stale = join(dir, 'stale.sock');
    // a socket file nobody listens on: a process that listened on it and exited without closing
    execFileSync(process.execPath, ['-e', `require('node:net').createServer().listen(${JSON.stringify(stale)}, () => process.exit(0))`]);
    expect(statSync(stale).isSocket()).toBe(true);
    const listeners = await startListeners({ services: [healthBinding()], unixSocketPath: stale });
    await listeners.stop(1_000);

    const busy = join(dir, 'busy.sock');
    const other = createServer().listen(busy);
    await new Promise((resolve) => other.once('listening', resolve));
    try {
      await expect(startListeners({ services: [healthBinding()], unixSocketPath: busy })).rejects.toThrow(/in use by another process/);
    } finally {
      other.close();
    }

    const regular = join(dir, 'regular.sock');
    writeFileSync(regular, 'not a socket');
    await expect(startListeners({ services: [healthBinding()], unixSocketPath: regular })).rejects.toThrow(/is not a socket/);
  });

  it('reports an address it cannot bind as FL_LISTEN, leaving no socket file behind', async () => {
    const socketPath = join(dir, 'half.sock');
    const first = await startListeners({ services: [healthBinding()], tcpAddress: '127.0.0.1:0' });
    try {
      await expect(startListeners({ services: [healthBinding()], unixSocketPath: socketPath, tcpAddress: `127.0.0.1:${first.tcpPort}` }))
        .rejects.toMatchObject({ code: 'FL_LISTEN' });
      expect(existsSync(socketPath)).toBe(false);
    } finally {
      await first.stop(1_000);
    }
  });

  it('stops gracefully: open streams get the grace period, then are cancelled', async () => {
    const registry = new HealthStatusRegistry();
    const listeners = await startListeners({ services: [healthBinding(registry)], tcpAddress: '127.0.0.1:0' });
    const client = new hubbleProtos.grpc.health.v1.Health(`127.0.0.1:${listeners.tcpPort}`, grpc.credentials.createInsecure(), ownConnection());
    const watch = collect<{ status: string }>(client, 'Watch', { service: '' });
    try {
      await waitFor('the watch open', () => watch.received.length === 1);
      await listeners.stop(300);
      await waitFor('the watch ended', () => watch.ended !== undefined);
      expect(watch.ended!.code).toBe(grpc.status.CANCELLED);
    } finally {
      client.close();
    }
  });
});

import { copyFileSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { generateCertificates } from '../../src/certs/generate.js';
import { hubbleProtos } from '../../src/proto/load.js';
import type { Flow } from '../../src/proto/flow.js';
import { isolatedAgentFlags, startAgentProcess } from '../helpers/agent-process.js';
import { createPodPair } from '../helpers/netns.js';
import { clientTls, collect, ownConnection, unary, waitFor } from './tls-fixture.js';

const SERVER_NAME = 'node-1.default.hubble-grpc.cilium.io';

describe('certificate rotation on a real agent', () => {
  it('keeps an open GetFlows follow stream flowing while new connections get the new certificate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fl-rotate-follow-'));
    const pair = createPodPair();
    try {
      const first = generateCertificates({ outDir: join(dir, 'first'), nodeName: 'node-1', clusterName: 'default', ips: [], validDays: 2 });
      const second = generateCertificates({ outDir: join(dir, 'second'), nodeName: 'node-1', clusterName: 'default', ips: [], validDays: 2, ca: { certFile: first.caCert, keyFile: first.caKey! } });
      const live = { cert: join(dir, 'server.crt'), key: join(dir, 'server.key') };
      copyFileSync(first.serverCert, live.cert);
      copyFileSync(first.serverKey, live.key);
      const agent = await startAgentProcess([
        ...isolatedAgentFlags(),
        '--interfaces', `${pair.hostIfA},${pair.hostIfB}`,
        '--node-name', 'node-1',
        '--hubble-tls-cert-file', live.cert,
        '--hubble-tls-key-file', live.key,
        '--hubble-tls-client-ca-files', first.clientCaCert,
      ]);
      try {
        const address = `127.0.0.1:${agent.grpcPort}`;
        const followerTls = clientTls(first.caCert, first);
        const follower = new hubbleProtos.observer.Observer(address, followerTls.credentials, ownConnection(SERVER_NAME));
        const stream = collect<{ flow?: Flow }>(follower, 'GetFlows', { follow: true, number: 100, whitelist: [{ source_ip: [pair.ipA], protocol: ['icmp'] }] });
        const echoes = (): number => stream.received.filter((r) => r.flow?.l4?.ICMPv4?.type === 8).length;
        pair.exec(pair.nsA, ['ping', '-c', '1', '-W', '2', pair.ipB]);
        await waitFor('an echo on the follow stream', () => echoes() > 0);
        const before = echoes();

        // Replace the pair in place, each file in one step, as a secret update would.
        copyFileSync(second.serverKey, `${live.key}.new`);
        copyFileSync(second.serverCert, `${live.cert}.new`);
        renameSync(`${live.key}.new`, live.key);
        renameSync(`${live.cert}.new`, live.cert);
        await agent.waitForLog((line) => line.msg === 'TLS certificate reloaded', 40_000);

        const fresh = clientTls(first.caCert, first);
        const dialer = new hubbleProtos.observer.Observer(address, fresh.credentials, ownConnection(SERVER_NAME));
        try {
          await unary(dialer, 'ServerStatus', {});
        } finally {
          dialer.close();
        }
        expect(fresh.seenFingerprints.at(-1)).not.toBe(followerTls.seenFingerprints.at(-1));

        pair.exec(pair.nsA, ['ping', '-c', '1', '-W', '2', pair.ipB]);
        await waitFor('an echo after the rotation on the same stream', () => echoes() > before);
        expect(stream.ended).toBeUndefined();
        stream.call.cancel();
        follower.close();
        expect(stream.ended?.code ?? grpc.status.CANCELLED).toBe(grpc.status.CANCELLED);
      } finally {
        expect(await agent.stop()).toBe(0);
      }
    } finally {
      pair.cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

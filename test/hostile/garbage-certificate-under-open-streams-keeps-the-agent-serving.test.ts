import { copyFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { generateCertificates } from '../../src/certs/generate.js';
import { hubbleProtos } from '../../src/proto/load.js';
import type { Flow } from '../../src/proto/flow.js';
import { isolatedAgentFlags, startAgentProcess, type AgentProcess } from '../helpers/agent-process.js';
import { sampleValue } from '../helpers/exposition.js';
import { createPodPair, type PodPair } from '../helpers/netns.js';
import { clientTls, collect, ownConnection, unary, waitFor } from '../server/tls-fixture.js';

// A real agent serving mutual TLS has its certificate file overwritten in place with random
// bytes while a follow stream is open. The agent stays the same process, the open stream
// keeps delivering flows, new connections are still served the last good certificate, and
// the bad file shows in the metric (`flowlens_tls_certificate_valid{file="cert"} 0`), in
// /readyz (503; on loopback with the path and the error) and in the log. A good certificate
// written later goes into service without a restart, and readiness comes back.

const SERVER_NAME = 'node-1.default.hubble-grpc.cilium.io';
// The files are re-read every 10 s: a change is seen within two polls.
const NOTICED_WITHIN_MS = 25_000;

async function scrape(agent: AgentProcess): Promise<string> {
  return (await fetch(`http://127.0.0.1:${agent.metricsPort}/metrics`)).text();
}

async function readiness(agent: AgentProcess): Promise<{ status: number; body: { status: string; failing?: Record<string, string> } }> {
  const response = await fetch(`http://127.0.0.1:${agent.healthPort}/readyz`);
  return { status: response.status, body: (await response.json()) as { status: string; failing?: Record<string, string> } };
}

describe('a real agent whose certificate is replaced by garbage under open streams', () => {
  it('keeps serving and streaming, reports the bad file, and takes a good certificate later', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fl-garbage-cert-'));
    let pair: PodPair | undefined;
    let agent: AgentProcess | undefined;
    const clients: grpc.Client[] = [];
    try {
      const first = generateCertificates({ outDir: join(dir, 'first'), nodeName: 'node-1', clusterName: 'default', ips: [], validDays: 2 });
      const second = generateCertificates({ outDir: join(dir, 'second'), nodeName: 'node-1', clusterName: 'default', ips: [], validDays: 2, ca: { certFile: first.caCert, keyFile: first.caKey! } });
      const live = { cert: join(dir, 'server.crt'), key: join(dir, 'server.key') };
      copyFileSync(first.serverCert, live.cert);
      copyFileSync(first.serverKey, live.key);
      pair = createPodPair();
      agent = await startAgentProcess([
        ...isolatedAgentFlags(),
        '--interfaces', `${pair.hostIfA},${pair.hostIfB}`,
        '--node-name', 'node-1',
        '--hubble-tls-cert-file', live.cert,
        '--hubble-tls-key-file', live.key,
        '--hubble-tls-client-ca-files', first.clientCaCert,
      ]);
      const pid = agent.child.pid!;
      const address = `127.0.0.1:${agent.grpcPort}`;
      const dial = async (): Promise<string> => {
        const tls = clientTls(first.caCert, first);
        const client = new hubbleProtos.observer.Observer(address, tls.credentials, ownConnection(SERVER_NAME));
        try {
          await unary(client, 'ServerStatus', {});
          return tls.seenFingerprints.at(-1)!;
        } finally {
          client.close();
        }
      };
      const certValid = async (): Promise<number | undefined> => sampleValue(await scrape(agent!), 'flowlens_tls_certificate_valid', { file: 'cert' });

      const follower = new hubbleProtos.observer.Observer(address, clientTls(first.caCert, first).credentials, ownConnection(SERVER_NAME));
      clients.push(follower);
      const stream = collect<{ flow?: Flow }>(follower, 'GetFlows', { follow: true, number: 100, whitelist: [{ source_ip: [pair.ipA], protocol: ['icmp'] }] });
      const echoes = (): number => stream.received.filter((r) => r.flow?.l4?.ICMPv4?.type === 8).length;
      const echoOnTheStream = async (what: string): Promise<void> => {
        const before = echoes();
        pair!.exec(pair!.nsA, ['ping', '-c', '1', '-W', '2', pair!.ipB]);
        await waitFor(what, () => echoes() > before);
      };
      await echoOnTheStream('an echo on the follow stream');
      const firstFingerprint = await dial();
      expect(await certValid()).toBe(1);
      expect((await readiness(agent)).status).toBe(200);

      // Garbage in place, as a broken secret update or a disk error would leave it.
      writeFileSync(live.cert, Buffer.concat([Buffer.from('-----BEGIN CERTIFICATE-----\n'), randomBytes(1500)]));
      await waitFor('the bad certificate file reported', async () => (await certValid()) === 0, NOTICED_WITHIN_MS);
      const notReady = await readiness(agent);
      expect(notReady.status).toBe(503);
      expect(notReady.body.failing?.certificate).toContain(live.cert);
      expect(agent.logs.some((line) => line.module === 'tls' && line.level === 50 && /unusable/.test(line.msg))).toBe(true);
      expect(agent.child.exitCode).toBeNull();
      expect(agent.child.pid).toBe(pid);
      await echoOnTheStream('an echo on the same stream with garbage on disk');
      expect(await dial()).toBe(firstFingerprint);

      // A good certificate (and its key), each file replaced in one step.
      copyFileSync(second.serverKey, `${live.key}.new`);
      copyFileSync(second.serverCert, `${live.cert}.new`);
      renameSync(`${live.key}.new`, live.key);
      renameSync(`${live.cert}.new`, live.cert);
      await agent.waitForLog((line) => line.msg === 'TLS certificate reloaded', NOTICED_WITHIN_MS);
      await waitFor('the good certificate reported valid', async () => (await certValid()) === 1);
      expect((await readiness(agent)).status).toBe(200);
      expect(await dial()).not.toBe(firstFingerprint);
      await echoOnTheStream('an echo on the same stream after the good certificate');
      expect(stream.ended).toBeUndefined();
      expect(agent.child.pid).toBe(pid);
      stream.call.cancel();
    } finally {
      for (const client of clients) client.close();
      try {
        if (agent) expect(await agent.stop()).toBe(0);
      } finally {
        pair?.cleanup();
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }, 120_000);
});

import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateCertificates } from '../../src/certs/generate.js';
import { WITHHELD_REASON } from '../../src/health/server.js';
import type { Flow } from '../../src/proto/flow.js';
import { hubbleProtos } from '../../src/proto/load.js';
import { startAgentProcess } from '../helpers/agent-process.js';
import { sampleValue } from '../helpers/exposition.js';
import { createPodPair } from '../helpers/netns.js';
import { clientTls, collect, ownConnection, unary, waitFor } from '../server/tls-fixture.js';

// The metrics port listens on every interface and the health port on the node's address in the
// DaemonSet: what they tell a client that is not on loopback must not name files or carry error
// texts. The non-loopback client here connects to an address on a veth the test creates in the
// root namespace (198.18.0.0/15), so its source address is that address too. The failing check
// is a certificate file overwritten in place with random bytes under an open follow stream:
// the agent stays the same process, the stream flows, and a good certificate written later
// goes into service without a restart.

const SERVER_NAME = 'node-1.default.hubble-grpc.cilium.io';

interface Readiness {
  status: number;
  text: string;
  body: { status: string; failing?: Record<string, string> };
}

async function readyz(host: string, port: number): Promise<Readiness> {
  const res = await fetch(`http://${host}:${port}/readyz`);
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) as Readiness['body'] };
}

describe('probes and metrics off loopback', () => {
  it('name failing checks without paths or error texts, while loopback and the log get the details; a garbage certificate on disk leaves open streams flowing until a good one is in service', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fl-offloopback-'));
    const id = randomBytes(3).toString('hex');
    const veth = `flvo${id}`;
    const outside = `198.18.${1 + (parseInt(id.slice(0, 2), 16) % 250)}.1`;
    const pair = createPodPair();
    try {
      execFileSync('ip', ['link', 'add', veth, 'type', 'veth', 'peer', 'name', `${veth}p`]);
      execFileSync('ip', ['addr', 'add', `${outside}/32`, 'dev', veth]);
      execFileSync('ip', ['link', 'set', veth, 'up']);
      const certs = generateCertificates({ outDir: join(dir, 'certs'), nodeName: 'node-1', clusterName: 'default', ips: ['127.0.0.1'], validDays: 2 });
      const renewed = generateCertificates({ outDir: join(dir, 'renewed'), nodeName: 'node-1', clusterName: 'default', ips: ['127.0.0.1'], validDays: 2, ca: { certFile: certs.caCert, keyFile: certs.caKey! } });
      const certFile = join(dir, 'server.crt');
      const keyFile = join(dir, 'server.key');
      copyFileSync(certs.serverCert, certFile);
      copyFileSync(certs.serverKey, keyFile);
      const agent = await startAgentProcess([
        '--hubble-listen-address', '127.0.0.1:0',
        '--metrics-address', ':0',
        '--health-address', ':0',
        '--hubble-unix-socket', '',
        '--interfaces', `${pair.hostIfA},${pair.hostIfB}`,
        '--node-name', 'node-1',
        '--hubble-tls-cert-file', certFile,
        '--hubble-tls-key-file', keyFile,
        '--hubble-tls-client-ca-files', certs.clientCaCert,
      ]);
      const address = `127.0.0.1:${agent.grpcPort}`;
      const follower = new hubbleProtos.observer.Observer(address, clientTls(certs.caCert, certs).credentials, ownConnection(SERVER_NAME));
      const stream = collect<{ flow?: Flow }>(follower, 'GetFlows', { follow: true, number: 100, whitelist: [{ source_ip: [pair.ipA], protocol: ['icmp'] }] });
      const echoes = (): number => stream.received.filter((r) => r.flow?.l4?.ICMPv4?.type === 8).length;
      // A ping every few seconds until a new echo request shows on the stream (bounded), so one
      // lost packet on a loaded machine does not decide the test.
      const pingUntilEcho = async (what: string): Promise<void> => {
        const before = echoes();
        const deadline = Date.now() + 40_000;
        while (echoes() === before) {
          if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
          pair.exec(pair.nsA, ['ping', '-c', '1', '-W', '2', pair.ipB]);
          await waitFor(what, () => echoes() > before, 5_000).catch(() => undefined);
        }
      };
      try {
        await waitFor('ready', async () => (await readyz(outside, agent.healthPort)).status === 200, 30_000);
        await pingUntilEcho('an echo on the follow stream');

        const pid = agent.child.pid;
        const dial = async (): Promise<string> => {
          const tls = clientTls(certs.caCert, certs);
          const dialer = new hubbleProtos.observer.Observer(address, tls.credentials, ownConnection(SERVER_NAME));
          try {
            await unary(dialer, 'ServerStatus', {});
            return tls.seenFingerprints.at(-1)!;
          } finally {
            dialer.close();
          }
        };
        const servedFirst = await dial();

        // The certificate on disk turns into garbage under the open stream, written in place
        // as a broken secret update or a disk error would leave it.
        writeFileSync(certFile, Buffer.concat([Buffer.from('-----BEGIN CERTIFICATE-----\n'), randomBytes(1500)]));
        const logged = await agent.waitForLog((line) => line.msg === 'TLS files on disk are unusable: still serving the previous certificate', 40_000);
        expect(JSON.stringify(logged)).toContain(certFile);

        const far = await readyz(outside, agent.healthPort);
        expect(far.status).toBe(503);
        expect(far.body).toEqual({ status: 'not ready', failing: { certificate: WITHHELD_REASON } });
        expect(far.text).not.toContain(dir);

        const near = await readyz('127.0.0.1', agent.healthPort);
        expect(near.status).toBe(503);
        expect(near.body.failing?.certificate).toContain(certFile);

        const metrics = await (await fetch(`http://${outside}:${agent.metricsPort}/metrics`)).text();
        expect(sampleValue(metrics, 'flowlens_tls_certificate_valid', { file: 'cert' })).toBe(0);
        expect(sampleValue(metrics, 'flowlens_tls_certificate_valid', { file: 'key' })).toBe(1);
        expect(sampleValue(metrics, 'flowlens_tls_certificate_valid', { file: 'client_ca_0' })).toBe(1);
        expect(metrics).not.toContain(dir);
        expect((await fetch(`http://${outside}:${agent.healthPort}/healthz`)).status).toBe(200);

        // Still served: the open stream and a new connection, with the previous certificate.
        await pingUntilEcho('an echo after the certificate turned to garbage');
        expect(stream.ended).toBeUndefined();
        expect(await dial()).toBe(servedFirst);
        expect(agent.child.exitCode).toBeNull();
        expect(agent.child.pid).toBe(pid);

        // A good certificate, each file replaced in one step: in service without a restart.
        copyFileSync(renewed.serverKey, `${keyFile}.new`);
        copyFileSync(renewed.serverCert, `${certFile}.new`);
        renameSync(`${keyFile}.new`, keyFile);
        renameSync(`${certFile}.new`, certFile);
        await agent.waitForLog((line) => line.msg === 'TLS certificate reloaded', 40_000);
        await waitFor('ready again', async () => (await readyz(outside, agent.healthPort)).status === 200);
        const recovered = await (await fetch(`http://${outside}:${agent.metricsPort}/metrics`)).text();
        expect(sampleValue(recovered, 'flowlens_tls_certificate_valid', { file: 'cert' })).toBe(1);
        expect(await dial()).not.toBe(servedFirst);
        await pingUntilEcho('an echo on the same stream after the good certificate');
        expect(stream.ended).toBeUndefined();
        expect(agent.child.pid).toBe(pid);
      } finally {
        stream.call.cancel();
        follower.close();
        expect(await agent.stop()).toBe(0);
      }
    } finally {
      pair.cleanup();
      try {
        execFileSync('ip', ['link', 'del', veth], { stdio: 'ignore' });
      } catch {
        // not created
      }
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

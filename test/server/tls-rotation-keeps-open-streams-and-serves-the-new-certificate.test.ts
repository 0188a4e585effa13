import { X509Certificate } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { afterAll, describe, expect, it } from 'vitest';
import { generateCertificates, type GeneratedCertificatePaths } from '../../src/certs/generate.js';
import { healthService, hubbleProtos, peerService } from '../../src/proto/load.js';
import { tlsServerName } from '../../src/peers/server-name.js';
import { StaticPeerSource } from '../../src/peers/static-source.js';
import { HealthService, HealthStatusRegistry } from '../../src/server/health-service.js';
import { startListeners, type RunningListeners } from '../../src/server/listeners.js';
import { PeerService, type ChangeNotification } from '../../src/server/peer.js';
import { ReloadingTlsCredentials } from '../../src/server/tls-credentials.js';
import { TEST_CLUSTER, TEST_NODE, clientTls, collect, ownConnection, unary, waitFor, type CollectedStream } from './tls-fixture.js';

const REFRESH_INTERVAL_MS = 100;
const SERVER_NAME = tlsServerName(TEST_NODE, TEST_CLUSTER);
const dir = mkdtempSync(join(tmpdir(), 'fl-rotate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function certSet(name: string, ca?: GeneratedCertificatePaths): GeneratedCertificatePaths {
  return generateCertificates({
    outDir: join(dir, name), nodeName: TEST_NODE, clusterName: TEST_CLUSTER, ips: [], validDays: 2,
    ...(ca === undefined ? {} : { ca: { certFile: ca.caCert, keyFile: ca.caKey! } }),
  });
}

const fingerprintOf = (certFile: string) => new X509Certificate(readFileSync(certFile)).fingerprint256;

/** An agent with a peer file to change and TLS files at `files`, as the DaemonSet would run it. */
class Agent {
  readonly peersFile: string;
  readonly source: StaticPeerSource;
  readonly tls: ReloadingTlsCredentials;
  listeners!: RunningListeners;
  private readonly clients: grpc.Client[] = [];

  constructor(name: string, files: { certFile: string; keyFile: string; clientCaFiles: string[] }) {
    this.peersFile = join(dir, `${name}-peers.yaml`);
    this.writePeers(['n1']);
    this.source = new StaticPeerSource({ file: this.peersFile, nodeName: 'n1', clusterName: TEST_CLUSTER, grpcPort: 4244, pollIntervalMs: 40 });
    this.tls = new ReloadingTlsCredentials({ ...files, refreshIntervalMs: REFRESH_INTERVAL_MS });
  }

  async start(): Promise<void> {
    await this.source.start();
    const health = new HealthStatusRegistry();
    health.setCaptureRunning(true);
    this.listeners = await startListeners({
      services: [
        { definition: peerService, implementation: new PeerService({ source: this.source, defaultPort: 4244, tls: true }).implementation() },
        { definition: healthService, implementation: new HealthService(health).implementation() },
      ],
      tcpAddress: '127.0.0.1:0',
      tcpCredentials: this.tls,
    });
  }

  writePeers(names: string[]): void {
    writeFileSync(`${this.peersFile}.tmp`, `nodes: [${names.map((n) => `{name: ${n}, address: 198.18.0.${n.slice(1)}}`).join(', ')}]\n`);
    renameSync(`${this.peersFile}.tmp`, this.peersFile);
  }

  client<T extends grpc.Client>(ctor: new (address: string, creds: grpc.ChannelCredentials, options: grpc.ChannelOptions) => T, creds: grpc.ChannelCredentials): T {
    const client = new ctor(`127.0.0.1:${this.listeners.tcpPort}`, creds, ownConnection(SERVER_NAME));
    this.clients.push(client);
    return client;
  }

  /** Dials a new connection with `certs` as client and trust; the fingerprint shown, or the error. */
  async dialFresh(certs: GeneratedCertificatePaths): Promise<string | Error> {
    const tls = clientTls(certs.caCert, certs);
    const client = this.client(hubbleProtos.grpc.health.v1.Health, tls.credentials);
    try {
      await unary(client, 'Check', { service: '' });
      return tls.seenFingerprints.at(-1)!;
    } catch (err) {
      return err as Error;
    } finally {
      client.close();
    }
  }

  /** Whether a TLS 1.2-only client gets through: it must not, after a reload too. */
  tls12Handshakes(certs: GeneratedCertificatePaths): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = connect({
        host: '127.0.0.1', port: this.listeners.tcpPort!, servername: SERVER_NAME, maxVersion: 'TLSv1.2', ALPNProtocols: ['h2'],
        ca: readFileSync(certs.caCert), cert: readFileSync(certs.clientCert), key: readFileSync(certs.clientKey),
      });
      socket.once('secureConnect', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => { socket.destroy(); resolve(false); });
    });
  }

  async openNotify(certs: GeneratedCertificatePaths): Promise<CollectedStream<ChangeNotification>> {
    const stream = collect<ChangeNotification>(this.client(hubbleProtos.peer.Peer, clientTls(certs.caCert, certs).credentials), 'Notify', {});
    await waitFor('the Notify snapshot', () => stream.received.length === 1);
    return stream;
  }

  /** The open stream is alive: a peer change made now reaches it. */
  async expectStreamAlive(stream: CollectedStream<ChangeNotification>, peers: string[]): Promise<void> {
    const before = stream.received.length;
    this.writePeers(peers);
    await waitFor('a notification on the stream opened before the rotation', () => stream.received.length === before + 1);
    expect(stream.ended).toBeUndefined();
  }

  async stop(): Promise<void> {
    for (const client of this.clients) client.close();
    await this.listeners?.stop(1_000);
    await this.source.stop();
  }
}

describe('certificate rotation on disk', () => {
  it('picks up files rewritten in place, keeps the open stream, and stays TLS 1.3 only', async () => {
    const first = certSet('plain-1');
    const second = certSet('plain-2', first);
    const live = join(dir, 'plain-live');
    mkdirSync(live);
    const files = { certFile: join(live, 'server.crt'), keyFile: join(live, 'server.key'), clientCaFiles: [join(live, 'client-ca.crt')] };
    copyFileSync(first.serverCert, files.certFile);
    copyFileSync(first.serverKey, files.keyFile);
    copyFileSync(first.clientCaCert, files.clientCaFiles[0]!);
    const agent = new Agent('plain', files);
    try {
      await agent.start();
      expect(await agent.dialFresh(first)).toBe(fingerprintOf(first.serverCert));
      const stream = await agent.openNotify(first);

      // An in-place rewrite, certificate first, then key: a poll in between sees a mismatched pair.
      writeFileSync(files.certFile, readFileSync(second.serverCert));
      writeFileSync(files.keyFile, readFileSync(second.serverKey));

      const rotated = fingerprintOf(second.serverCert);
      await waitFor('new connections shown the new certificate', async () => (await agent.dialFresh(first)) === rotated);
      expect(agent.tls.state()).toMatchObject({ valid: true, servingCurrentFiles: true, served: { fingerprint256: rotated } });
      await agent.expectStreamAlive(stream, ['n1', 'n2']);
      expect(await agent.tls12Handshakes(first)).toBe(false);
      stream.call.cancel();
    } finally {
      await agent.stop();
    }
  });

  it('follows a Kubernetes secret update (..data symlink swap), the client CA included', async () => {
    const first = certSet('k8s-1');
    const second = certSet('k8s-2'); // a new CA: new server certificate, new client CA, new clients
    const mount = join(dir, 'k8s-mount');
    const publish = (set: GeneratedCertificatePaths, version: string): void => {
      const data = join(mount, `..${version}`);
      mkdirSync(data, { recursive: true });
      copyFileSync(set.serverCert, join(data, 'server.crt'));
      copyFileSync(set.serverKey, join(data, 'server.key'));
      copyFileSync(set.clientCaCert, join(data, 'client-ca.crt'));
      symlinkSync(`..${version}`, join(mount, '..data_tmp'));
      renameSync(join(mount, '..data_tmp'), join(mount, '..data'));
    };
    publish(first, '2026_01_01_00_00_00.1');
    for (const name of ['server.crt', 'server.key', 'client-ca.crt']) symlinkSync(join('..data', name), join(mount, name));
    const agent = new Agent('k8s', { certFile: join(mount, 'server.crt'), keyFile: join(mount, 'server.key'), clientCaFiles: [join(mount, 'client-ca.crt')] });
    try {
      await agent.start();
      expect(await agent.dialFresh(first)).toBe(fingerprintOf(first.serverCert));
      const stream = await agent.openNotify(first);

      publish(second, '2026_01_02_00_00_00.2');
      rmSync(join(mount, '..2026_01_01_00_00_00.1'), { recursive: true });

      const rotated = fingerprintOf(second.serverCert);
      await waitFor('new clients accepted with the new certificate', async () => (await agent.dialFresh(second)) === rotated);
      expect(agent.tls.state()).toMatchObject({ valid: true, served: { fingerprint256: rotated } });
      // A client of the old CA is no longer let in (and no longer trusts the agent).
      expect(await agent.dialFresh(first)).toBeInstanceOf(Error);
      await agent.expectStreamAlive(stream, ['n1', 'n3']);
      expect(await agent.tls12Handshakes(second)).toBe(false);
      stream.call.cancel();
    } finally {
      await agent.stop();
    }
  });
});

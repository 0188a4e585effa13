import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCertificates, type GeneratedCertificatePaths } from '../../src/certs/generate.js';
import { hubbleProtos } from '../../src/proto/load.js';
import type { Flow, Timestamp } from '../../src/proto/flow.js';
import type { ChangeNotification } from '../../src/server/peer.js';
import { isolatedAgentFlags, startAgentProcess, type AgentProcess } from '../helpers/agent-process.js';
import { createPodPair, type PodPair } from '../helpers/netns.js';
import { clientTls, collect, ownConnection, unary, waitFor } from './tls-fixture.js';

// Acts the way hubble-relay does (README, "hubble-relay and Hubble UI"; upstream:
// cilium/cilium pkg/hubble/relay/pool/manager.go and pkg/hubble/relay/observer/observer.go):
// discover nodes through peer.Peer/Notify, dial every advertised address (with mTLS and the
// advertised server name when TLS is on), check Health, call ServerStatus and GetFlows, and
// merge the streams by response time.

const CLUSTER = 'default';
const NODES = ['node-a', 'node-b'] as const;

interface GetFlowsResponse {
  flow?: Flow;
  node_name?: string;
  time?: { seconds: number; nanos: number };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function timeNs(time: Timestamp | undefined): bigint {
  return BigInt(time?.seconds ?? 0) * 1_000_000_000n + BigInt(time?.nanos ?? 0);
}

describe.each([['TLS'], ['plaintext']] as const)('a relay against two agents (%s)', (mode) => {
  const tls = mode === 'TLS';
  const dir = mkdtempSync(join(tmpdir(), 'fl-relay-'));
  let pair: PodPair;
  const agents: AgentProcess[] = [];
  let certs: GeneratedCertificatePaths;
  const ports: number[] = [];

  const isEcho = (r: GetFlowsResponse): boolean => Boolean(r.flow!.l4?.ICMPv4) && r.flow!.IP?.source === pair.ipA && r.flow!.IP?.destination === pair.ipB;
  const credentials = (): grpc.ChannelCredentials => (tls ? clientTls(certs.caCert, certs).credentials : grpc.credentials.createInsecure());

  beforeAll(async () => {
    pair = createPodPair();
    if (tls) {
      certs = generateCertificates({ outDir: join(dir, NODES[0]), nodeName: NODES[0], clusterName: CLUSTER, ips: [], validDays: 2 });
      generateCertificates({ outDir: join(dir, NODES[1]), nodeName: NODES[1], clusterName: CLUSTER, ips: [], validDays: 2, ca: { certFile: certs.caCert, keyFile: certs.caKey! } });
    }
    for (let i = 0; i < NODES.length; i++) ports.push(await freePort());
    const peersFile = join(dir, 'peers.yaml');
    writeFileSync(peersFile, `nodes:\n${NODES.map((name, i) => `  - name: ${name}\n    address: 127.0.0.1:${ports[i]}\n`).join('')}`);
    const interfaces = [pair.hostIfA, pair.hostIfB];
    for (let i = 0; i < NODES.length; i++) {
      const tlsFlags = tls
        ? ['--hubble-tls-cert-file', join(dir, NODES[i], 'server.crt'), '--hubble-tls-key-file', join(dir, NODES[i], 'server.key'), '--hubble-tls-client-ca-files', join(dir, NODES[i], 'client-ca.crt')]
        : [];
      agents.push(
        await startAgentProcess([
          ...isolatedAgentFlags(),
          '--hubble-listen-address', `127.0.0.1:${ports[i]}`,
          '--node-name', NODES[i]!,
          '--cluster-name', CLUSTER,
          '--interfaces', interfaces[i]!,
          '--peers-file', peersFile,
          ...tlsFlags,
        ]),
      );
    }
    // Real traffic between the pods, seen by both agents (one on each pod's veth).
    pair.exec(pair.nsA, ['ping', '-c', '3', '-i', '0.2', '-W', '2', pair.ipB]);
  }, 120_000);

  afterAll(async () => {
    for (const agent of agents) await agent.stop();
    pair?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('discovers every node, dials each as advertised, and merges real flows by response time', async () => {
    const peerClient = new hubbleProtos.peer.Peer(`127.0.0.1:${ports[0]}`, credentials(), ownConnection(tls ? `hubble-peer.${CLUSTER}.hubble-grpc.cilium.io` : undefined));
    const notify = collect<ChangeNotification>(peerClient, 'Notify', {});
    try {
      await waitFor('a notification per node', () => notify.received.length >= NODES.length);
    } finally {
      notify.call.cancel();
      peerClient.close();
    }
    expect(notify.received.map((n) => n.name).sort()).toEqual([...NODES]);
    for (const notification of notify.received) {
      expect(notification.type).toBe('PEER_ADDED');
      expect(notification.address).toBe(`127.0.0.1:${ports[NODES.indexOf(notification.name as (typeof NODES)[number])]}`);
      if (tls) expect(notification.tls?.server_name).toBe(`${notification.name}.${CLUSTER}.hubble-grpc.cilium.io`);
      else expect(notification.tls).toBeFalsy();
    }

    const merged: GetFlowsResponse[] = [];
    for (const notification of notify.received) {
      const options = ownConnection(notification.tls?.server_name);
      const health = new hubbleProtos.grpc.health.v1.Health(notification.address, credentials(), options);
      const observer = new hubbleProtos.observer.Observer(notification.address, credentials(), options);
      try {
        const check = await unary<{ service: string }, { status: string }>(health, 'Check', { service: 'hubble.server.Observer' });
        expect(check.status).toBe('SERVING');
        const status = await unary<object, { max_flows?: number; version?: string }>(observer, 'ServerStatus', {});
        expect(status.max_flows).toBe(4095);
        expect(status.version).toBeTruthy();

        // The relay forwards GetFlows as asked; repeat until this node's echo flows are in.
        let flows: GetFlowsResponse[] = [];
        let headers: grpc.Metadata | undefined;
        await waitFor(`echo flows on ${notification.name}`, async () => {
          const stream = collect<GetFlowsResponse>(observer, 'GetFlows', { number: 200 });
          stream.call.once('metadata', (metadata: grpc.Metadata) => (headers = metadata));
          await waitFor('GetFlows to end', () => stream.ended !== undefined);
          expect(stream.ended!.code).toBe(grpc.status.OK);
          flows = stream.received.filter((r) => r.flow);
          return flows.some(isEcho);
        });
        expect(headers?.get('hubble-server-version')[0]).toBeTruthy();
        for (const response of flows) {
          expect(response.node_name).toBe(notification.name);
          expect(response.node_name).toBe(response.flow!.node_name);
          expect(timeNs(response.time)).toBe(timeNs(response.flow!.time));
        }
        merged.push(...flows);
      } finally {
        health.close();
        observer.close();
      }
    }

    merged.sort((a, b) => (timeNs(a.time) < timeNs(b.time) ? -1 : timeNs(a.time) > timeNs(b.time) ? 1 : 0));
    expect(new Set(merged.map((r) => r.node_name))).toEqual(new Set(NODES));
    const echoes = merged.filter(isEcho);
    expect(new Set(echoes.map((r) => r.node_name))).toEqual(new Set(NODES));
    for (const response of echoes) expect(response.flow!.verdict).toBe('FORWARDED');
  });

  // Only with TLS (registered conditionally so the plaintext run has nothing skipped).
  if (tls) it('refuses clients without a certificate, with a certificate from another CA, TLS 1.2 only, or without ALPN h2', async () => {
    const address = `127.0.0.1:${ports[0]}`;
    const serverName = `${NODES[0]}.${CLUSTER}.hubble-grpc.cilium.io`;
    const other = generateCertificates({ outDir: join(dir, 'other'), nodeName: NODES[0], clusterName: CLUSTER, ips: [], validDays: 2 });
    for (const creds of [clientTls(certs.caCert).credentials, clientTls(certs.caCert, other).credentials]) {
      const observer = new hubbleProtos.observer.Observer(address, creds, ownConnection(serverName));
      try {
        await expect(unary(observer, 'ServerStatus', {}, 5_000)).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
      } finally {
        observer.close();
      }
    }
    // Dials with Node's TLS client, then speaks HTTP/2: did the handshake complete, and did gRPC's HTTP/2 answer?
    const dial = (options: { maxVersion?: 'TLSv1.2'; ALPNProtocols?: string[] }): Promise<{ secure: boolean; http2: boolean }> =>
      new Promise((resolve) => {
        const outcome = { secure: false, http2: false };
        const socket = connect({
          host: '127.0.0.1',
          port: ports[0]!,
          servername: serverName,
          ca: readFileSync(certs.caCert),
          cert: readFileSync(certs.clientCert),
          key: readFileSync(certs.clientKey),
          ...options,
        });
        let received = Buffer.alloc(0);
        const done = (): void => {
          clearTimeout(timer);
          socket.destroy();
          resolve(outcome);
        };
        const timer = setTimeout(done, 15_000);
        socket.once('secureConnect', () => {
          outcome.secure = true;
          socket.write(Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])]));
        });
        socket.on('data', (chunk: Buffer) => {
          received = Buffer.concat([received, chunk]);
          if (received.length >= 9 && received[3] === 4) {
            outcome.http2 = true;
            done();
          }
        });
        socket.once('error', done);
        socket.once('close', done);
      });
    expect(await dial({ maxVersion: 'TLSv1.2', ALPNProtocols: ['h2'] })).toEqual({ secure: false, http2: false });
    expect((await dial({})).http2).toBe(false);
    expect(await dial({ ALPNProtocols: ['h2'] })).toEqual({ secure: true, http2: true });
  });
});

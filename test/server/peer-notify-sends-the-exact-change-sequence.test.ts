import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubbleProtos, peerService } from '../../src/proto/load.js';
import { StaticPeerSource } from '../../src/peers/static-source.js';
import { startListeners, type RunningListeners } from '../../src/server/listeners.js';
import { PeerService, type ChangeNotification } from '../../src/server/peer.js';
import { collect, ownConnection, waitFor } from './tls-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'fl-peer-'));
const file = join(dir, 'peers.yaml');
let source: StaticPeerSource;
let peers: PeerService;
let listeners: RunningListeners;
let client: grpc.Client;

function writePeers(text: string): void {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

beforeAll(async () => {
  writePeers('nodes: [{name: n1, address: 198.18.0.1}, {name: n2.example, address: "[fd00::2]:4245"}, {name: n3, address: 198.18.0.3}]\n');
  source = new StaticPeerSource({ file, nodeName: 'n1', clusterName: 'default', grpcPort: 4244, pollIntervalMs: 40 });
  await source.start();
  peers = new PeerService({ source, defaultPort: 4244, tls: false });
  listeners = await startListeners({
    services: [{ definition: peerService, implementation: peers.implementation() }],
    tcpAddress: '127.0.0.1:0',
  });
  client = new hubbleProtos.peer.Peer(`127.0.0.1:${listeners.tcpPort}`, grpc.credentials.createInsecure(), ownConnection());
});

afterAll(async () => {
  client?.close();
  await listeners?.stop(1_000);
  await source?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const line = (n: ChangeNotification) => `${n.type} ${n.name} ${n.address}`;

describe('peer.Peer/Notify', () => {
  it('sends every known node as PEER_ADDED, then each removal and re-addition exactly', async () => {
    const stream = collect<ChangeNotification>(client, 'Notify', {});
    try {
      await waitFor('the initial nodes', () => stream.received.length === 3);
      expect(stream.received.map(line)).toEqual([
        'PEER_ADDED n1 198.18.0.1:4244',
        'PEER_ADDED n2.example [fd00::2]:4245',
        'PEER_ADDED n3 198.18.0.3:4244',
      ]);
      // plaintext agents: no TLS server name at all
      expect(stream.received.every((n) => n.tls === undefined)).toBe(true);

      writePeers('nodes: [{name: n1, address: 198.18.0.1}, {name: n3, address: 198.18.0.3}]\n');
      await waitFor('n2 removed', () => stream.received.length === 4);
      writePeers('nodes: [{name: n1, address: 198.18.0.1}, {name: n3, address: 198.18.0.3}, {name: n2.example, address: 198.18.0.2}]\n');
      await waitFor('n2 re-added', () => stream.received.length === 5);
      writePeers('nodes: [{name: n2.example, address: 198.18.0.2}, {name: n3, address: "198.18.0.33"}]\n');
      await waitFor('n1 removed, n3 moved', () => stream.received.length === 7);
      expect(stream.received.slice(3).map(line)).toEqual([
        'PEER_DELETED n2.example [fd00::2]:4245',
        'PEER_ADDED n2.example 198.18.0.2:4244',
        'PEER_DELETED n1 198.18.0.1:4244',
        'PEER_UPDATED n3 198.18.0.33:4244',
      ]);

      const late = collect<ChangeNotification>(client, 'Notify', {});
      await waitFor('a late subscriber sees the current set', () => late.received.length === 2);
      expect(late.received.map(line)).toEqual(['PEER_ADDED n3 198.18.0.33:4244', 'PEER_ADDED n2.example 198.18.0.2:4244']);
      late.call.cancel();
      expect(stream.ended).toBeUndefined();
    } finally {
      stream.call.cancel();
    }
    await waitFor('both streams released', () => peers.subscriberCount() === 0);
  });
});

import { connect } from 'node:http2';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubbleProtos, peerService } from '../../src/proto/load.js';
import { StaticPeerSource } from '../../src/peers/static-source.js';
import { startListeners, type RunningListeners } from '../../src/server/listeners.js';
import { PeerService, type ChangeNotification } from '../../src/server/peer.js';
import { collect, ownConnection, waitFor, type CollectedStream } from './tls-fixture.js';

const RECONNECTS = 25;
const dir = mkdtempSync(join(tmpdir(), 'fl-peer-race-'));
const file = join(dir, 'peers.yaml');
let source: StaticPeerSource;
let peers: PeerService;
let listeners: RunningListeners;
let client: grpc.Client;

function writePeers(names: string[]): void {
  writeFileSync(`${file}.tmp`, `nodes: [${names.map((name) => `{name: ${name}, address: 198.18.0.${name.slice(1)}}`).join(', ')}]\n`);
  renameSync(`${file}.tmp`, file);
}

beforeAll(async () => {
  writePeers(['n1']);
  source = new StaticPeerSource({ file, nodeName: 'n1', clusterName: 'default', grpcPort: 4244, pollIntervalMs: 40 });
  await source.start();
  peers = new PeerService({ source, defaultPort: 4244, tls: false });
  listeners = await startListeners({ services: [{ definition: peerService, implementation: peers.implementation() }], tcpAddress: '127.0.0.1:0' });
  client = new hubbleProtos.peer.Peer(`127.0.0.1:${listeners.tcpPort}`, grpc.credentials.createInsecure(), ownConnection());
});

afterAll(async () => {
  client?.close();
  await listeners?.stop(1_000);
  await source?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const names = (stream: CollectedStream<ChangeNotification>) => stream.received.map((n) => `${n.type} ${n.name}`);

describe('a Notify client that cancels and reconnects at once', () => {
  it('keeps exactly the newest subscription, whichever of the new stream and the old cleanup comes first', async () => {
    let current = collect<ChangeNotification>(client, 'Notify', {});
    await waitFor('first subscription', () => peers.subscriberCount() === 1 && current.received.length === 1);
    for (let i = 0; i < RECONNECTS; i++) {
      const previous = current;
      // Alternate the order. Even rounds: the replacement is registered on the server before the
      // old stream's cleanup runs (the order that lost a proxy its new state). Odd rounds: cancel
      // and reopen in the same tick.
      if (i % 2 === 0) {
        const replacement = collect<ChangeNotification>(client, 'Notify', {});
        current = replacement;
        await waitFor(`reconnect ${i}: both streams registered`, () => peers.subscriberCount() === 2 && replacement.received.length === 1);
        previous.call.cancel();
      } else {
        previous.call.cancel();
        current = collect<ChangeNotification>(client, 'Notify', {});
      }
      const replacement = current;
      await waitFor(`reconnect ${i}: one subscriber, the new one`, () => peers.subscriberCount() === 1 && replacement.received.length === 1);
    }
    expect(peers.subscriberCount()).toBe(1);

    // Every later change reaches the surviving stream, in order.
    writePeers(['n1', 'n2']);
    await waitFor('n2 added', () => current.received.length === 2);
    writePeers(['n2']);
    await waitFor('n1 deleted', () => current.received.length === 3);
    expect(names(current)).toEqual(['PEER_ADDED n1', 'PEER_ADDED n2', 'PEER_DELETED n1']);
    expect(peers.subscriberCount()).toBe(1);

    current.call.cancel();
    await waitFor('no subscriber left', () => peers.subscriberCount() === 0);
  });

  it('releases the subscription of a stream whose connection drops', async () => {
    // A raw HTTP/2 client, so the connection can be torn down under an open stream (a relay that died).
    const session = connect(`http://127.0.0.1:${listeners.tcpPort}`);
    const request = session.request({ ':method': 'POST', ':path': '/peer.Peer/Notify', 'content-type': 'application/grpc', te: 'trailers' });
    request.end(Buffer.alloc(5)); // one uncompressed, empty NotifyRequest
    request.on('error', () => {
      // the destroyed session ends it
    });
    const frames: Buffer[] = [];
    request.on('data', (chunk: Buffer) => frames.push(chunk));
    await waitFor('subscribed', () => peers.subscriberCount() === 1 && frames.length > 0);
    session.destroy();
    await waitFor('released after the connection dropped', () => peers.subscriberCount() === 0);
  });
});

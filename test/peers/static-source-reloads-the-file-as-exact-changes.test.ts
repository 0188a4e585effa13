import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { isFlowlensError } from '../../src/errors.js';
import type { PeerChange } from '../../src/peers/source.js';
import { StaticPeerSource } from '../../src/peers/static-source.js';
import { captureLogs, type LogLine } from '../helpers/captured-logs.js';

const POLL_INTERVAL_MS = 40;
const dir = mkdtempSync(join(tmpdir(), 'fl-peers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

async function waitFor(what: string, condition: () => boolean): Promise<void> {
  const end = Date.now() + 20_000;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Replaces the file atomically, as an editor or a ConfigMap update would. */
function writePeers(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

const brief = (change: PeerChange) => `${change.type} ${change.node.name} ${change.node.ip ?? '-'}:${change.node.port ?? '-'}`;

describe('StaticPeerSource', () => {
  it('without a file knows only this node, at the advertise address and gRPC port', async () => {
    const source = new StaticPeerSource({ nodeName: 'self', clusterName: 'c1', advertiseAddress: '198.19.2.3', grpcPort: 4244 });
    await source.start();
    expect(source.nodes()).toEqual([{ name: 'self', cluster: 'c1', ip: '198.19.2.3', port: 4244 }]);
    await source.stop();
  });

  it('refuses to start on a missing or invalid file', async () => {
    const missing = new StaticPeerSource({ file: join(dir, 'absent.yaml'), nodeName: 's', clusterName: 'c', grpcPort: 4244 });
    await expect(missing.start()).rejects.toSatisfy((err) => isFlowlensError(err, 'FL_PEERS_FILE'));
    const badFile = join(dir, 'bad.yaml');
    writeFileSync(badFile, 'nodes: [{name: n1, address: my-host}]\n');
    const bad = new StaticPeerSource({ file: badFile, nodeName: 's', clusterName: 'c', grpcPort: 4244 });
    await expect(bad.start()).rejects.toThrow(/nodes\[0\] \(n1\)/);
  });

  it('turns each new file into deletions, additions and updates; a bad file keeps the last good set', async () => {
    const file = join(dir, 'peers.yaml');
    writePeers(file, 'nodes: [{name: n1, address: 198.18.0.1}, {name: n2, address: 198.18.0.2}, {name: n3, address: 198.18.0.3}]\n');
    const source = new StaticPeerSource({ file, nodeName: 'n1', clusterName: 'c1', grpcPort: 4244, pollIntervalMs: POLL_INTERVAL_MS });
    const seen: string[] = [];
    const logs = captureLogs();
    const rejected = (problem: RegExp) => (line: LogLine) => line.msg === 'static peers file rejected, keeping the previous nodes' && problem.test(String(line.err));
    const unsubscribe = source.subscribe((change) => seen.push(brief(change)));
    try {
      await source.start();
      expect(seen).toEqual(['PEER_ADDED n1 198.18.0.1:-', 'PEER_ADDED n2 198.18.0.2:-', 'PEER_ADDED n3 198.18.0.3:-']);

      writePeers(file, 'nodes: [{name: n1, address: 198.18.0.1}, {name: n3, address: 198.18.0.3}]\n');
      await waitFor('n2 deleted', () => seen.length === 4);
      expect(seen[3]).toBe('PEER_DELETED n2 198.18.0.2:-');

      writePeers(file, 'nodes: [{name: n1, address: "198.18.0.1:4300"}, {name: n3, address: 198.18.0.3}, {name: n2, address: "[fd00::2]:4245"}]\n');
      await waitFor('n2 re-added and n1 updated', () => seen.length === 6);
      expect(seen.slice(4)).toEqual(['PEER_UPDATED n1 198.18.0.1:4300', 'PEER_ADDED n2 fd00::2:4245']);

      // The rejection logged is the marker that the bad file was read; its changes would have come first.
      writePeers(file, 'nodes: [{name: n1, address: not-an-ip}]\n');
      await waitFor('the bad file rejected', () => logs.some(rejected(/not-an-ip/)));
      expect(seen).toHaveLength(6);
      expect(source.nodes().map((node) => node.name)).toEqual(['n1', 'n3', 'n2']);

      rmSync(file);
      await waitFor('the missing file rejected', () => logs.some(rejected(/cannot be read/)));
      expect(seen).toHaveLength(6);
      expect(source.nodes()).toHaveLength(3);

      writePeers(file, 'nodes: [{name: n4, address: 198.18.0.4}, {name: n1, address: "198.18.0.1:4300"}]\n');
      await waitFor('n3 and n2 deleted, n4 added', () => seen.length === 9);
      expect(seen.slice(6)).toEqual(['PEER_DELETED n3 198.18.0.3:-', 'PEER_DELETED n2 fd00::2:4245', 'PEER_ADDED n4 198.18.0.4:-']);
      expect(source.nodes().map((node) => node.name).sort()).toEqual(['n1', 'n4']);

      unsubscribe();
      writePeers(file, 'nodes: []\n');
      await waitFor('all deleted', () => source.nodes().length === 0);
      expect(seen).toHaveLength(9);
    } finally {
      await source.stop();
    }
  });
});

import type { PeerChange, PeerNode } from './source.js';

export function peerKey(node: PeerNode): string {
  return `${node.cluster}/${node.name}`;
}

function sameAddress(a: PeerNode, b: PeerNode): boolean {
  return a.ip === b.ip && a.port === b.port;
}

/** The changes that turn `before` into `after`: deletions first (in old order), then additions and updates (in new order). */
export function diffPeers(before: readonly PeerNode[], after: readonly PeerNode[]): PeerChange[] {
  const old = new Map(before.map((node) => [peerKey(node), node]));
  const next = new Map(after.map((node) => [peerKey(node), node]));
  const changes: PeerChange[] = [];
  for (const [key, node] of old) {
    if (!next.has(key)) changes.push({ type: 'PEER_DELETED', node });
  }
  for (const [key, node] of next) {
    const previous = old.get(key);
    if (previous === undefined) changes.push({ type: 'PEER_ADDED', node });
    else if (!sameAddress(previous, node)) changes.push({ type: 'PEER_UPDATED', node });
  }
  return changes;
}

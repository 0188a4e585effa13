import type { PeerSource } from '../peers/source.js';

/**
 * The addresses of the cluster's other nodes, from the peer source (Node objects or the static
 * peers file): traffic from or to them is the remote-node identity. This node is left out by
 * name. The set is rebuilt on the first lookup after the peer source's addresses changed.
 */
export class RemoteNodeAddresses {
  private addresses: ReadonlySet<string> = new Set();
  private builtAt = -1;

  constructor(
    private readonly peers: Pick<PeerSource, 'nodeAddresses' | 'addressesVersion'>,
    private readonly ownNodeName: string,
  ) {}

  has(ip: string): boolean {
    if (this.builtAt !== this.peers.addressesVersion) {
      this.builtAt = this.peers.addressesVersion;
      const others = this.peers.nodeAddresses().filter((node) => node.name !== this.ownNodeName);
      this.addresses = new Set(others.flatMap((node) => node.addresses));
    }
    return this.addresses.has(ip);
  }

  /** Changes whenever an answer of has() may have changed. */
  get version(): number {
    return this.peers.addressesVersion;
  }
}

import type * as grpc from '@grpc/grpc-js';
import { moduleLogger } from '../log.js';
import { joinHostPort, peerName, tlsServerName } from '../peers/server-name.js';
import type { PeerChange, PeerChangeType, PeerSource } from '../peers/source.js';
import { StreamRegistry } from './stream-registry.js';

const log = moduleLogger('peer');

/** peer.ChangeNotification as the proto loader (keepCase, enums as strings) reads and writes it. */
export interface ChangeNotification {
  name: string;
  address: string;
  type: PeerChangeType;
  tls?: { server_name: string };
}

export interface PeerServiceOptions {
  source: PeerSource;
  /** The port for nodes that name none: the agents' gRPC port. */
  defaultPort: number;
  /** Whether the agents serve TLS; then every notification carries the node's TLS server name. */
  tls: boolean;
}

type NotifyCall = grpc.ServerWritableStream<Record<string, never>, ChangeNotification>;

function toChangeNotification(change: PeerChange, options: Pick<PeerServiceOptions, 'defaultPort' | 'tls'>): ChangeNotification {
  const { node } = change;
  return {
    name: peerName(node.name, node.cluster),
    // A node without an IP has no address a relay could dial.
    address: node.ip === undefined ? '' : joinHostPort(node.ip, node.port ?? options.defaultPort),
    type: change.type,
    ...(options.tls ? { tls: { server_name: tlsServerName(node.name, node.cluster) } } : {}),
  };
}

/** peer.Peer: Notify sends every known node as PEER_ADDED, then each change as it happens. */
export class PeerService {
  private readonly streams = new StreamRegistry<NotifyCall>();

  constructor(private readonly options: PeerServiceOptions) {}

  implementation(): grpc.UntypedServiceImplementation {
    return { Notify: (call: NotifyCall) => this.notify(call) };
  }

  /** Open Notify streams. */
  subscriberCount(): number {
    return this.streams.size();
  }

  private notify(call: NotifyCall): void {
    if (call.cancelled) return;
    const send = (change: PeerChange): void => {
      call.write(toChangeNotification(change, this.options));
    };
    // Subscribing and sending the snapshot in one synchronous step: no change can fall between them.
    const unsubscribe = this.options.source.subscribe(send);
    this.streams.add(call, unsubscribe);
    for (const node of this.options.source.nodes()) send({ type: 'PEER_ADDED', node });
    log.debug({ peer: call.getPeer(), subscribers: this.streams.size() }, 'peer notify stream opened');
  }
}

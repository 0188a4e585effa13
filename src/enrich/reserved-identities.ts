import type { Endpoint } from '../proto/flow.js';

// Cilium's reserved numeric identities (pkg/identity/numericidentity.go) with the labels Cilium
// gives them (pkg/labels): what Hubble shows for an endpoint that is not a pod. flowlens hands
// out host, world, remote-node and kube-apiserver; unmanaged, health and init belong to
// Cilium-managed endpoints it never sees, and are listed so the numbers stay Cilium's.
//
// World stays 2 in dual-stack clusters too. Newer Cilium splits it into world-ipv4 (9) and
// world-ipv6 (10) there, but Hubble UI tells the world apart by the `reserved:world` label
// (its backend checks for nothing else), so only 2 with that label shows as "world" in the UI.

export const HOST_IDENTITY = 1;
export const WORLD_IDENTITY = 2;
export const REMOTE_NODE_IDENTITY = 6;
export const KUBE_APISERVER_IDENTITY = 7;

const KUBE_APISERVER_LABEL = 'reserved:kube-apiserver';

/** The reserved identities Cilium defines up to kube-apiserver, with their names and labels. */
export const RESERVED_IDENTITIES: readonly { identity: number; name: string; labels: readonly string[] }[] = [
  { identity: HOST_IDENTITY, name: 'host', labels: ['reserved:host'] },
  { identity: WORLD_IDENTITY, name: 'world', labels: ['reserved:world'] },
  { identity: 3, name: 'unmanaged', labels: ['reserved:unmanaged'] },
  { identity: 4, name: 'health', labels: ['reserved:health'] },
  { identity: 5, name: 'init', labels: ['reserved:init'] },
  { identity: REMOTE_NODE_IDENTITY, name: 'remote-node', labels: ['reserved:remote-node'] },
  // Cilium's identity 7 is a remote node that serves the API: it carries both labels.
  { identity: KUBE_APISERVER_IDENTITY, name: 'kube-apiserver', labels: [KUBE_APISERVER_LABEL, 'reserved:remote-node'] },
];

/** The shared, frozen endpoint of a reserved identity, with its labels and any added ones, sorted. */
function reservedEndpoint(identity: number, addedLabels: readonly string[] = []): Endpoint {
  const reserved = RESERVED_IDENTITIES.find((entry) => entry.identity === identity)!;
  const labels = Object.freeze([...reserved.labels, ...addedLabels].sort()) as string[];
  return Object.freeze({ identity, labels });
}

/** The node itself. */
export const HOST_ENDPOINT = reservedEndpoint(HOST_IDENTITY);
/** Another node of the cluster. */
export const REMOTE_NODE_ENDPOINT = reservedEndpoint(REMOTE_NODE_IDENTITY);
/** Anything outside the cluster. */
export const WORLD_ENDPOINT = reservedEndpoint(WORLD_IDENTITY);

// A backend of the default/kubernetes Service keeps the identity of what it is and gains the
// kube-apiserver label, as in Cilium: on this node it is still the host (1); on another node
// it is identity 7. Outside the cluster Cilium gives it a node-local CIDR identity labelled
// world, which no other agent would share, so flowlens gives it the world identity instead.
export const HOST_KUBE_APISERVER_ENDPOINT = reservedEndpoint(HOST_IDENTITY, [KUBE_APISERVER_LABEL]);
export const REMOTE_NODE_KUBE_APISERVER_ENDPOINT = reservedEndpoint(KUBE_APISERVER_IDENTITY);
export const WORLD_KUBE_APISERVER_ENDPOINT = reservedEndpoint(WORLD_IDENTITY, [KUBE_APISERVER_LABEL]);

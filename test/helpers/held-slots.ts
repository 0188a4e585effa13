import type { CapturedInterface } from '../../src/capture/source.js';
import type { NativeRecord } from '../../src/native/records.js';
import type { EndpointLookup, NameLookup } from '../../src/parser/record-ingest.js';
import type { Endpoint, Flow } from '../../src/proto/flow.js';
import type { RecordSlot } from '../../src/store/flow-store.js';
import { RecordFlows } from './record-flows.js';
import { interfaces } from './records.js';

// Records run through the real ingest and store, handed back as a reader sees them: the
// held slot and the flow built from it. Endpoints and DNS names exist for some addresses,
// so filters on them can match.

export const NODE_NAME = 'node-a';
export const HOST_NETNS = 4026531840;
export const OTHER_NETNS = 4026532999;
export const DROP_REASON_NAMES: ReadonlyMap<number, string> = new Map([
  [2, 'NOT_SPECIFIED'],
  [3, 'NO_SOCKET'],
  [12, 'NETFILTER_DROP'],
  [5, 'PKT_TOO_SMALL'],
]);
export const INTERFACES: readonly CapturedInterface[] = [
  { index: 2, name: 'eth0', role: 'network' },
  { index: 5, name: 'lxc-web', role: 'endpoint' },
  { index: 6, name: 'lxc-db', role: 'endpoint' },
];

const WEB: Endpoint = Object.freeze({ namespace: 'default', pod_name: 'web', identity: 1234, labels: ['k8s:app=web'] });
const WORLD: Endpoint = Object.freeze({ identity: 2, labels: ['reserved:world'] });
const WEB_ADDRESSES = new Set(['198.18.0.1', 'fd00::1']);

const endpoints: EndpointLookup = {
  resolve: (ip) => (WEB_ADDRESSES.has(ip) ? WEB : WORLD),
  enrich: () => {},
};
const names: NameLookup = { namesOf: (ip) => (WEB_ADDRESSES.has(ip) ? ['web.example.com'] : []) };

export interface HeldSlot {
  slot: RecordSlot;
  flow: Flow;
}

/** Every record that becomes an L3/L4 flow, held and read back (capacity: how many are kept). */
export function heldSlots(records: readonly NativeRecord[], capacity = 4096): HeldSlot[] {
  const flows = new RecordFlows({
    nodeName: NODE_NAME,
    interfaces: interfaces(...INTERFACES),
    dropReasonNames: DROP_REASON_NAMES,
    netnsInode: HOST_NETNS,
    endpoints,
    names,
    capacity,
    connectionTableSize: 1024,
  });
  const sequences: number[] = [];
  for (const record of records) {
    const sequence = flows.store.nextSequence;
    if (flows.parse(record) !== undefined) sequences.push(sequence);
  }
  return sequences
    .filter((sequence) => sequence >= flows.store.oldestSequence)
    .map((sequence) => {
      const read = flows.store.read(sequence);
      if (read.kind !== 'event' || !('flow' in read.event)) throw new Error(`slot ${sequence} holds no flow`);
      return { slot: flows.store.recordSlot(sequence), flow: read.event.flow };
    });
}

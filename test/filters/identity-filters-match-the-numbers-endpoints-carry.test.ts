import { expect, it } from 'vitest';
import { HOST_ENDPOINT, REMOTE_NODE_ENDPOINT, WORLD_ENDPOINT } from '../../src/enrich/reserved-identities.js';
import { compileFilterLists } from '../../src/filters/flow-filter.js';
import type { Endpoint, Flow } from '../../src/proto/flow.js';

// The numbers a GetFlows identity filter selects by are the ones enrichment puts on endpoints.
const WEB: Endpoint = { identity: 6_924_002, namespace: 'shop', pod_name: 'web-1' };

const flows: Record<string, Flow> = {
  hostToPod: { source: HOST_ENDPOINT, destination: WEB },
  podToWorld: { source: WEB, destination: WORLD_ENDPOINT },
  remoteNodeToPod: { source: REMOTE_NODE_ENDPOINT, destination: WEB },
};

function matching(whitelist: object[], blacklist: object[] = []): string[] {
  const accepts = compileFilterLists(whitelist, blacklist);
  return Object.entries(flows).filter(([, f]) => accepts(f)).map(([name]) => name);
}

it('source_identity and destination_identity select by the endpoints\' numbers: OR within a list, AND between them', () => {
  expect(matching([{ source_identity: [1] }])).toEqual(['hostToPod']);
  expect(matching([{ destination_identity: [6_924_002] }])).toEqual(['hostToPod', 'remoteNodeToPod']);
  expect(matching([{ source_identity: [1, 6] }])).toEqual(['hostToPod', 'remoteNodeToPod']);
  expect(matching([{ source_identity: [6_924_002], destination_identity: [2] }])).toEqual(['podToWorld']);
  expect(matching([{ source_identity: [6], destination_identity: [2] }])).toEqual([]);
  expect(matching([], [{ destination_identity: [2] }])).toEqual(['hostToPod', 'remoteNodeToPod']);
});

it('a flow without the endpoint matches no identity, not even 0, as in Hubble', () => {
  const bare: Flow = { IP: { source: '198.18.0.10', destination: '198.18.1.1' } };
  expect(compileFilterLists([{ source_identity: [0] }])(bare)).toBe(false);
  expect(compileFilterLists([{ destination_identity: [0] }])({ ...bare, destination: {} })).toBe(true);
});

import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GetFlowsRequest } from '../../src/proto/observer.js';
import { makeFlow } from '../helpers/flows.js';
import { collectGetFlows, getFlowsError, startObserver, type ObserverHarness } from '../helpers/observer-server.js';

const INVALID: [string, GetFlowsRequest, RegExp][] = [
  ['first with follow', { first: true, follow: true }, /first cannot be combined with follow/],
  ['a bad CIDR', { whitelist: [{ source_ip: ['198.18.0.0/33'] }] }, /source_ip.*198\.18\.0\.0\/33.*CIDR/],
  ['a bad IP', { blacklist: [{ destination_ip: ['198.18.0.256'] }] }, /destination_ip.*198\.18\.0\.256/],
  ['a bad regex', { whitelist: [{ http_path: ['/api/(v1'] }] }, /http_path.*regular expression/],
  ['an unknown protocol', { whitelist: [{ protocol: ['tcpp'] }] }, /protocol.*tcpp.*one of tcp, udp/],
  ['a bad port', { whitelist: [{ destination_port: ['70000'] }] }, /destination_port.*70000/],
  ['a bad status code', { whitelist: [{ http_status_code: ['6xx'] }] }, /http_status_code.*6xx/],
  ['a bad node pattern', { whitelist: [{ node_name: ['a/b/c'] }] }, /node_name.*a\/b\/c/],
  ['a bad label selector', { whitelist: [{ source_label: ['app in (a'] }] }, /source_label.*app in \(a/],
  ['an empty pod filter', { whitelist: [{ source_pod: [''] }] }, /source_pod/],
  ['an unknown field mask path', { field_mask: { paths: ['source.no_such_field'] } }, /field_mask.*source\.no_such_field/],
  ['a field mask through a repeated field', { field_mask: { paths: ['source.workloads.name'] } }, /field_mask.*workloads/],
];

describe('invalid GetFlows requests are INVALID_ARGUMENT with a reason', () => {
  let h: ObserverHarness;
  beforeAll(async () => {
    h = await startObserver();
    h.store.pushFlow(makeFlow());
  });
  afterAll(async () => h.close());

  for (const [what, request, reason] of INVALID) {
    it(`rejects ${what}, then still serves`, async () => {
      const err = await getFlowsError(h.client, request);
      expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(err.details).toMatch(reason);
      expect(await collectGetFlows(h.client, { number: 1 })).toHaveLength(1);
      expect(h.observer.openStreams()).toBe(0);
    });
  }
});

import { expect, it } from 'vitest';
import { HOST_IDENTITY, NodeEnricher } from '../../src/enrich/node-enricher.js';
import type { Flow } from '../../src/proto/flow.js';

it('marks the node\'s own addresses as the reserved host and fills node_name only when missing', () => {
  const enricher = new NodeEnricher({ nodeName: 'node-a', addresses: ['192.168.5.10', 'fd00:0:0::10'] });
  const flow: Flow = { IP: { source: '192.168.5.10', destination: '10.1.0.5' } };
  enricher.enrich(flow);
  expect(flow.node_name).toBe('node-a');
  expect(flow.source).toEqual({ identity: HOST_IDENTITY, labels: ['reserved:host'] });
  expect(flow.destination).toBeUndefined();

  const reply: Flow = { node_name: 'from-parser', IP: { source: '10.1.0.5', destination: 'fd00::10' } };
  enricher.enrich(reply);
  expect(reply.node_name).toBe('from-parser');
  expect(reply.destination?.identity).toBe(HOST_IDENTITY);
});

it('by default knows every address of the host, loopback included', () => {
  const flow: Flow = { IP: { source: '127.0.0.1', destination: '10.255.255.254' } };
  new NodeEnricher({ nodeName: 'n' }).enrich(flow);
  expect(flow.source?.identity).toBe(HOST_IDENTITY);
  expect(flow.destination).toBeUndefined();
});

import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import type { Flow } from '../../src/proto/flow.js';
import type { GetFlowsResponse } from '../../src/proto/observer.js';
import { messageCodec } from '../../src/proto/load.js';
import { makeFlow } from '../helpers/flows.js';

const responseCodec = messageCodec<GetFlowsResponse>('observer.GetFlowsResponse');

const FULL_FLOW: Flow = makeFlow({
  drop_reason: 178,
  verdict: 'DROPPED',
  drop_reason_desc: 'SOCKET_LOOKUP_FAILED',
  ethernet: { source: '02:00:00:00:00:01', destination: '02:00:00:00:00:02' },
  l4: { TCP: { source_port: 40000, destination_port: 443, flags: { SYN: true, ACK: true, ECE: true } } },
  l7: {
    type: 'RESPONSE',
    latency_ns: 1_500_000,
    http: { code: 200, method: 'GET', url: '/x', protocol: 'HTTP/1.1', headers: [{ key: 'host', value: 'a' }] },
  },
  source: { ID: 12, identity: 1234, namespace: 'shop', labels: ['k8s:app=cart'], pod_name: 'cart-1', workloads: [{ name: 'cart', kind: 'Deployment' }] },
  source_names: ['cart.shop.svc'],
  destination_names: ['api.example.com'],
  source_service: { name: 'cart', namespace: 'shop' },
  reply: true,
  is_reply: { value: true },
  socket_cookie: 2 ** 40,
  cgroup_id: 77,
  Summary: 'HTTP/1.1 200',
});

describe('a Flow survives encoding with the project protos', () => {
  it('decodes with the same fields it was encoded with', () => {
    const bytes = responseCodec.serialize({ flow: FULL_FLOW, node_name: 'default/node-a', time: FULL_FLOW.time });
    const decoded = responseCodec.deserialize(bytes);
    // The conversion names the set member of each oneof in a virtual field.
    expect(decoded.response_types).toBe('flow');
    expect(decoded.flow?.l4?.protocol).toBe('TCP');
    expect(decoded.flow?.l7?.record).toBe('http');
    delete decoded.response_types;
    delete decoded.flow?.l4?.protocol;
    delete decoded.flow?.l7?.record;
    expect(decoded).toEqual({ flow: FULL_FLOW, node_name: 'default/node-a', time: FULL_FLOW.time });
  });

  it('puts the flow, node name and time at fields 1, 1000 and 1001 on the wire', () => {
    const bytes = responseCodec.serialize({ flow: FULL_FLOW, node_name: 'n', time: FULL_FLOW.time });
    const reader = protobuf.Reader.create(bytes);
    const fieldNumbers: number[] = [];
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      fieldNumbers.push(tag >>> 3);
      reader.skipType(tag & 7);
    }
    expect(fieldNumbers.sort((a, b) => a - b)).toEqual([1, 1000, 1001]);
  });

  it('keeps an encoded is_reply=false distinguishable from an unset one', () => {
    const decode = (flow: Flow) => responseCodec.deserialize(responseCodec.serialize({ flow })).flow;
    expect(decode(makeFlow({ is_reply: { value: false } }))?.is_reply).toEqual({ value: false });
    expect(decode(makeFlow({ is_reply: undefined }))?.is_reply).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { writeGetFlowsResponse, writeMessage } from '../../src/export/protojson-writer.js';
import type { Flow } from '../../src/proto/flow.js';
import { makeFlow } from '../helpers/flows.js';

// The bytes of a line, pinned to what Cilium's exporter writes: Go's protojson with proto
// names (the generated MarshalJSON), compacted and HTML-escaped by encoding/json.

describe('a flow-log line', () => {
  it('is the line the upstream exporter test expects for a flow with only time and node name', () => {
    const flow: Flow = { time: { seconds: 1 }, node_name: 'my-node' };
    expect(writeGetFlowsResponse({ flow, node_name: 'my-node', time: { seconds: 1 } })).toBe(
      '{"flow":{"time":"1970-01-01T00:00:01Z","node_name":"my-node"},"node_name":"my-node","time":"1970-01-01T00:00:01Z"}',
    );
    expect(writeGetFlowsResponse({ lost_events: {}, node_name: 'my-node', time: { seconds: 4 } })).toBe(
      '{"lost_events":{},"node_name":"my-node","time":"1970-01-01T00:00:04Z"}',
    );
  });

  it('names fields as the proto does, in declaration order, enums by name, 64-bit integers as strings, wrappers bare', () => {
    const flow = makeFlow({
      uuid: '6c1a0f4e-5d3b-4a8e-9a53-2f1d0c9b8a77',
      timeMs: 1_700_000_000_123,
      socket_cookie: 12_345,
      cgroup_id: 0,
      drop_reason: 0,
      reply: false,
      source_names: [],
      event_type: { type: 4, sub_type: 0 },
    });
    expect(writeMessage('flow.Flow', flow)).toBe(
      '{"time":"2023-11-14T22:13:20.123Z","uuid":"6c1a0f4e-5d3b-4a8e-9a53-2f1d0c9b8a77","verdict":"FORWARDED",' +
        '"IP":{"source":"198.18.0.1","destination":"198.18.0.2","ipVersion":"IPv4"},' +
        '"l4":{"TCP":{"source_port":40000,"destination_port":80,"flags":{"SYN":true}}},' +
        '"source":{"namespace":"default","labels":["k8s:app=client"],"pod_name":"client-1"},' +
        '"destination":{"namespace":"default","labels":["k8s:app=server"],"pod_name":"server-1"},' +
        '"Type":"L3_L4","node_name":"default/node-a","event_type":{"type":4},"traffic_direction":"EGRESS",' +
        '"trace_observation_point":"TO_NETWORK","is_reply":false,"interface":{"index":7,"name":"eth0"},' +
        '"socket_cookie":"12345","Summary":"TCP Flags: SYN"}',
    );
  });

  it('writes a set oneof member even when it holds nothing, and leaves default enums and wrappers out or bare', () => {
    expect(writeMessage('flow.Flow', { l4: { UDP: {} }, verdict: 'VERDICT_UNKNOWN', is_reply: {}, l7: { type: 'RESPONSE', latency_ns: 1500, dns: { rcode: 3 } } })).toBe(
      '{"l4":{"UDP":{}},"l7":{"type":"RESPONSE","latency_ns":"1500","dns":{"rcode":3}},"is_reply":false}',
    );
    expect(writeMessage('flow.LostEvent', { source: 'HUBBLE_RING_BUFFER', num_events_lost: 12, cpu: { value: 0 } })).toBe(
      '{"source":"HUBBLE_RING_BUFFER","num_events_lost":"12","cpu":0}',
    );
  });

  it('writes timestamps with 0, 3, 6 or 9 fraction digits, as protojson does', () => {
    const at = (nanos: number): string => writeMessage('flow.Flow', { time: { seconds: 1_700_000_000, nanos } });
    expect(at(0)).toBe('{"time":"2023-11-14T22:13:20Z"}');
    expect(at(500_000_000)).toBe('{"time":"2023-11-14T22:13:20.500Z"}');
    expect(at(1_500_000)).toBe('{"time":"2023-11-14T22:13:20.001500Z"}');
    expect(at(1)).toBe('{"time":"2023-11-14T22:13:20.000000001Z"}');
    expect(() => writeMessage('flow.Flow', { time: { seconds: 253_402_300_800 } })).toThrow(/out of range/);
  });

  it('escapes strings as Go does: quotes, backslashes and control characters, then <, >, & and U+2028/U+2029', () => {
    const summary = 'GET /a?b=<c>&d "e" \\ \n\t\u0001 \u2028\u2029 é ✓';
    expect(writeMessage('flow.Flow', { Summary: summary })).toBe(
      '{"Summary":"GET /a?b=\\u003cc\\u003e\\u0026d \\"e\\" \\\\ \\n\\t\\u0001 \\u2028\\u2029 é ✓"}',
    );
    expect(JSON.parse(writeMessage('flow.Flow', { Summary: summary })).Summary).toBe(summary);
  });
});

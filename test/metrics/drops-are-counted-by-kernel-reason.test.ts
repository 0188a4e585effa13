import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { meteredFlowOf } from '../../src/metrics/metered-flow.js';
import { SeriesLimit } from '../../src/metrics/series-limit.js';
import { DropHandler } from '../../src/metrics/drop-handler.js';
import { MONITOR_EVENT_TYPE, type Flow } from '../../src/proto/flow.js';
import { sampleValue } from '../helpers/exposition.js';

function drop(fields: Partial<Flow>): Flow {
  return {
    verdict: 'DROPPED',
    Type: 'L3_L4',
    event_type: { type: MONITOR_EVENT_TYPE.DROP },
    IP: { source: '198.18.0.1', destination: '198.18.0.2', ipVersion: 'IPv4' },
    l4: { UDP: { source_port: 40000, destination_port: 9 } },
    ...fields,
  };
}

describe('hubble_drop_total', () => {
  it('uses the kernel reason the Summary carries, else the DropReason name', () => {
    const udp = 'UDP, kernel drop reason NO_SOCKET';
    expect(meteredFlowOf(drop({ Summary: udp, drop_reason_desc: 'SOCKET_LOOKUP_FAILED' })).dropReasonName()).toBe('NO_SOCKET');
    expect(meteredFlowOf(drop({ Summary: 'TCP Flags: SYN, kernel drop reason NETFILTER_DROP' })).dropReasonName()).toBe('NETFILTER_DROP');
    expect(meteredFlowOf(drop({ Summary: 'IPv4, kernel drop reason REASON_977' })).dropReasonName()).toBe('REASON_977');
    expect(meteredFlowOf(drop({ drop_reason_desc: 'POLICY_DENIED' })).dropReasonName()).toBe('POLICY_DENIED');
    expect(meteredFlowOf(drop({ Summary: 'TCP Flags: SYN', drop_reason_desc: 'POLICY_DENIED' })).dropReasonName()).toBe('POLICY_DENIED');
    expect(meteredFlowOf(drop({})).dropReasonName()).toBe('DROP_REASON_UNKNOWN');
  });

  it('counts dropped flows by reason and protocol and ignores forwarded ones', async () => {
    const registry = new Registry();
    const handler = new DropHandler();
    handler.init(registry, new SeriesLimit(registry, 10_000));
    const noSocket = { Summary: 'UDP, kernel drop reason NO_SOCKET', drop_reason_desc: 'SOCKET_LOOKUP_FAILED' } as const;
    handler.processFlow(meteredFlowOf(drop(noSocket)));
    handler.processFlow(meteredFlowOf(drop(noSocket)));
    handler.processFlow(meteredFlowOf(drop({ Summary: 'TCP Flags: SYN, kernel drop reason TCP_CSUM', l4: { TCP: { source_port: 1, destination_port: 2 } } })));
    handler.processFlow(meteredFlowOf(drop({ ...noSocket, verdict: 'FORWARDED' })));
    const text = await registry.metrics();
    expect(sampleValue(text, 'hubble_drop_total', { reason: 'NO_SOCKET', protocol: 'UDP' })).toBe(2);
    expect(sampleValue(text, 'hubble_drop_total', { reason: 'TCP_CSUM', protocol: 'TCP' })).toBe(1);
    expect(text.match(/^hubble_drop_total\{/gm)).toHaveLength(2);
  });
});

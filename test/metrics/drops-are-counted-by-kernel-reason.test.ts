import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { DropHandler } from '../../src/metrics/drop-handler.js';
import { dropReasonLabel } from '../../src/metrics/drop-reason-label.js';
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
    expect(dropReasonLabel(drop({ Summary: udp, drop_reason_desc: 'SOCKET_LOOKUP_FAILED' }))).toBe('NO_SOCKET');
    expect(dropReasonLabel(drop({ Summary: 'TCP Flags: SYN, kernel drop reason NETFILTER_DROP' }))).toBe('NETFILTER_DROP');
    expect(dropReasonLabel(drop({ Summary: 'IPv4, kernel drop reason REASON_977' }))).toBe('REASON_977');
    expect(dropReasonLabel(drop({ drop_reason_desc: 'POLICY_DENIED' }))).toBe('POLICY_DENIED');
    expect(dropReasonLabel(drop({ Summary: 'TCP Flags: SYN', drop_reason_desc: 'POLICY_DENIED' }))).toBe('POLICY_DENIED');
    expect(dropReasonLabel(drop({}))).toBe('DROP_REASON_UNKNOWN');
  });

  it('counts dropped flows by reason and protocol and ignores forwarded ones', async () => {
    const registry = new Registry();
    const handler = new DropHandler();
    handler.init(registry);
    const noSocket = { Summary: 'UDP, kernel drop reason NO_SOCKET', drop_reason_desc: 'SOCKET_LOOKUP_FAILED' } as const;
    handler.processFlow(drop(noSocket));
    handler.processFlow(drop(noSocket));
    handler.processFlow(drop({ Summary: 'TCP Flags: SYN, kernel drop reason TCP_CSUM', l4: { TCP: { source_port: 1, destination_port: 2 } } }));
    handler.processFlow(drop({ ...noSocket, verdict: 'FORWARDED' }));
    const text = await registry.metrics();
    expect(sampleValue(text, 'hubble_drop_total', { reason: 'NO_SOCKET', protocol: 'UDP' })).toBe(2);
    expect(sampleValue(text, 'hubble_drop_total', { reason: 'TCP_CSUM', protocol: 'TCP' })).toBe(1);
    expect(text.match(/^hubble_drop_total\{/gm)).toHaveLength(2);
  });
});

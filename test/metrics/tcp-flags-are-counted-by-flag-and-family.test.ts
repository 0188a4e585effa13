import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { meteredFlowOf } from '../../src/metrics/metered-flow.js';
import { SeriesLimit } from '../../src/metrics/series-limit.js';
import { TcpFlagsHandler } from '../../src/metrics/tcp-flags-handler.js';
import { MONITOR_EVENT_TYPE, type Flow, type TCPFlags } from '../../src/proto/flow.js';
import { sampleValue } from '../helpers/exposition.js';

function tcp(flags: TCPFlags, ipVersion: 'IPv4' | 'IPv6' = 'IPv4', verdict: Flow['verdict'] = 'FORWARDED'): Flow {
  return {
    verdict,
    Type: 'L3_L4',
    event_type: { type: MONITOR_EVENT_TYPE.TRACE },
    IP: { source: 'fd00::1', destination: 'fd00::2', ipVersion },
    l4: { TCP: { source_port: 40000, destination_port: 443, flags } },
  };
}

describe('hubble_tcp_flags_total', () => {
  it('counts SYN, SYN-ACK, FIN and RST per IP family, only for forwarded flows', async () => {
    const registry = new Registry();
    const handler = new TcpFlagsHandler();
    handler.init(registry, new SeriesLimit(registry, 10_000));
    handler.processFlow(meteredFlowOf(tcp({ SYN: true })));
    handler.processFlow(meteredFlowOf(tcp({ SYN: true, ACK: true })));
    handler.processFlow(meteredFlowOf(tcp({ SYN: true, ACK: true }, 'IPv6')));
    handler.processFlow(meteredFlowOf(tcp({ FIN: true, ACK: true })));
    handler.processFlow(meteredFlowOf(tcp({ RST: true })));
    handler.processFlow(meteredFlowOf(tcp({ ACK: true, PSH: true })));
    handler.processFlow(meteredFlowOf(tcp({ SYN: true }, 'IPv4', 'DROPPED')));
    const text = await registry.metrics();
    const name = 'hubble_tcp_flags_total';
    expect(sampleValue(text, name, { flag: 'SYN', family: 'IPv4' })).toBe(1);
    expect(sampleValue(text, name, { flag: 'SYN-ACK', family: 'IPv4' })).toBe(1);
    expect(sampleValue(text, name, { flag: 'SYN-ACK', family: 'IPv6' })).toBe(1);
    expect(sampleValue(text, name, { flag: 'FIN', family: 'IPv4' })).toBe(1);
    expect(sampleValue(text, name, { flag: 'RST', family: 'IPv4' })).toBe(1);
    expect(text.match(/^hubble_tcp_flags_total\{/gm)).toHaveLength(5);
  });
});

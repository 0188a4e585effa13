import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { TlsFileState } from '../../src/certs/check.js';
import { registerAgentStateMetrics } from '../../src/metrics/agent-state.js';
import { sampleValue } from '../helpers/exposition.js';

describe('agent state metrics', () => {
  it('reflect the current values of their sources at every scrape', async () => {
    const certFile = 'tls/server.crt';
    const keyFile = 'tls/server.key';
    const caFiles = ['tls/ca-a.crt', 'tls/ca-b.crt'];
    const notAfter = new Date('2031-05-01T12:00:00Z');
    const state = {
      mode: 'tracer' as 'tracer' | 'base' | null,
      records: { read: 10, decoded: 9, malformed: 1 },
      streams: { '/observer.Observer/GetFlows': 2 } as Record<string, number>,
      events: 5,
      tlsFiles: [
        { role: 'certificate', path: certFile, valid: true, notAfter },
        { role: 'key', path: keyFile, valid: false, error: 'cannot be read: ENOENT' },
        { role: 'clientCa', path: caFiles[0]!, valid: true, notAfter },
        { role: 'clientCa', path: caFiles[1]!, valid: false, notAfter, error: `expired at ${notAfter.toISOString()}` },
      ] as TlsFileState[],
    };
    const registry = new Registry();
    registerAgentStateMetrics(registry, {
      captureMode: () => state.mode,
      tlsParseEnabled: () => true,
      capabilities: () => ({ bpf_prog_load: true, uprobe: false }),
      records: () => state.records,
      flowStore: () => ({ events: state.events, capacity: 4095 }),
      attachedInterfaces: () => 3,
      grpcOpenStreams: () => state.streams,
      peersKnown: () => 4,
      certificates: () => state.tlsFiles,
    });

    let text = await registry.metrics();
    expect(sampleValue(text, 'flowlens_capture_mode', { mode: 'tracer' })).toBe(1);
    expect(sampleValue(text, 'flowlens_capture_mode', { mode: 'base' })).toBe(0);
    expect(sampleValue(text, 'flowlens_tls_parse_enabled')).toBe(1);
    expect(sampleValue(text, 'flowlens_capability', { name: 'bpf_prog_load' })).toBe(1);
    expect(sampleValue(text, 'flowlens_capability', { name: 'uprobe' })).toBe(0);
    expect(sampleValue(text, 'flowlens_native_records_read_total')).toBe(10);
    expect(sampleValue(text, 'flowlens_records_decoded_total')).toBe(9);
    expect(sampleValue(text, 'flowlens_records_malformed_total')).toBe(1);
    expect(sampleValue(text, 'flowlens_flow_store_events')).toBe(5);
    expect(sampleValue(text, 'flowlens_flow_store_capacity')).toBe(4095);
    expect(sampleValue(text, 'flowlens_attached_interfaces')).toBe(3);
    expect(sampleValue(text, 'flowlens_grpc_open_streams', { method: '/observer.Observer/GetFlows' })).toBe(2);
    expect(sampleValue(text, 'flowlens_peers_known')).toBe(4);
    // TLS files are labelled by role, never by path: the metrics port answers anyone.
    expect(sampleValue(text, 'flowlens_tls_certificate_not_after_seconds', { file: 'cert' })).toBe(notAfter.getTime() / 1000);
    expect(sampleValue(text, 'flowlens_tls_certificate_valid', { file: 'cert' })).toBe(1);
    expect(sampleValue(text, 'flowlens_tls_certificate_not_after_seconds', { file: 'key' })).toBeUndefined();
    expect(sampleValue(text, 'flowlens_tls_certificate_valid', { file: 'key' })).toBe(0);
    expect(sampleValue(text, 'flowlens_tls_certificate_valid', { file: 'client_ca_0' })).toBe(1);
    expect(sampleValue(text, 'flowlens_tls_certificate_valid', { file: 'client_ca_1' })).toBe(0);
    expect(sampleValue(text, 'flowlens_tls_certificate_not_after_seconds', { file: 'client_ca_1' })).toBe(notAfter.getTime() / 1000);
    for (const path of [certFile, keyFile, ...caFiles]) expect(text).not.toContain(path);
    expect(text).not.toContain('ENOENT');

    state.mode = 'base';
    state.records = { read: 25, decoded: 20, malformed: 5 };
    state.streams = {};
    state.events = 4095;
    state.tlsFiles = [{ role: 'certificate', path: certFile, valid: false, notAfter, error: `expired at ${notAfter.toISOString()}` }];
    text = await registry.metrics();
    expect(sampleValue(text, 'flowlens_capture_mode', { mode: 'tracer' })).toBe(0);
    expect(sampleValue(text, 'flowlens_capture_mode', { mode: 'base' })).toBe(1);
    expect(sampleValue(text, 'flowlens_native_records_read_total')).toBe(25);
    expect(sampleValue(text, 'flowlens_records_malformed_total')).toBe(5);
    expect(sampleValue(text, 'flowlens_flow_store_events')).toBe(4095);
    expect(sampleValue(text, 'flowlens_grpc_open_streams', { method: '/observer.Observer/GetFlows' })).toBe(0);
    expect(sampleValue(text, 'flowlens_tls_certificate_valid', { file: 'cert' })).toBe(0);
    expect(sampleValue(text, 'flowlens_tls_certificate_valid', { file: 'key' })).toBeUndefined();
  });

  it('registers only the metrics whose source is given', async () => {
    const registry = new Registry();
    registerAgentStateMetrics(registry, { peersKnown: () => 1 });
    const text = await registry.metrics();
    expect(sampleValue(text, 'flowlens_peers_known')).toBe(1);
    expect(text).not.toContain('flowlens_capture_mode');
    expect(text).not.toContain('flowlens_flow_store_capacity');
  });
});

describe('capture counters', () => {
  it('exports packets, skipped packets, errors, payload limiting, TLS plaintext and flow-table eviction counts as read at scrape time', async () => {
    const registry = new Registry();
    const counters = { packets: 100, skippedPackets: 7, errors: 1, payloadLimited: 3, tlsFilesProbed: 2, tlsUnmatched: 4, flowEvictions: 9 };
    registerAgentStateMetrics(registry, { captureCounters: () => counters });
    let text = await registry.metrics();
    expect(sampleValue(text, 'flowlens_capture_packets_total')).toBe(100);
    expect(sampleValue(text, 'flowlens_capture_skipped_packets_total')).toBe(7);
    expect(sampleValue(text, 'flowlens_capture_errors_total')).toBe(1);
    expect(sampleValue(text, 'flowlens_payload_records_limited_total')).toBe(3);
    expect(sampleValue(text, 'flowlens_tls_probed_files')).toBe(2);
    expect(sampleValue(text, 'flowlens_tls_plaintext_unmatched_total')).toBe(4);
    expect(sampleValue(text, 'flowlens_flow_table_evictions_total')).toBe(9);
    counters.packets = 150;
    text = await registry.metrics();
    expect(sampleValue(text, 'flowlens_capture_packets_total')).toBe(150);
  });
});

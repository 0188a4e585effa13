import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createCertificateAuthority } from '../../src/certs/issue.js';
import { readCertificateState } from '../../src/health/certificate-validity.js';
import { registerAgentStateMetrics } from '../../src/metrics/agent-state.js';
import { sampleValue } from '../helpers/exposition.js';

describe('agent state metrics', () => {
  it('reflect the current values of their sources at every scrape', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'flowlens-agent-state-'));
    try {
      const certFile = join(dir, 'server.crt');
      const notAfter = new Date(Math.floor(Date.now() / 1000) * 1000 + 30 * 24 * 3600 * 1000);
      await writeFile(certFile, createCertificateAuthority('agent', { notBefore: new Date(Date.now() - 3600_000), notAfter }).certPem);
      const missingFile = join(dir, 'absent.crt');

      const state = {
        mode: 'tracer' as 'tracer' | 'base' | null,
        records: { read: 10, decoded: 9, malformed: 1 },
        streams: { '/observer.Observer/GetFlows': 2 } as Record<string, number>,
        events: 5,
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
        certificates: () => [readCertificateState(certFile), readCertificateState(missingFile)],
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
      expect(sampleValue(text, 'flowlens_tls_certificate_not_after_seconds', { file: certFile })).toBe(notAfter.getTime() / 1000);
      expect(sampleValue(text, 'flowlens_tls_certificate_valid', { file: certFile })).toBe(1);
      expect(sampleValue(text, 'flowlens_tls_certificate_not_after_seconds', { file: missingFile })).toBeUndefined();
      expect(sampleValue(text, 'flowlens_tls_certificate_valid', { file: missingFile })).toBe(0);

      state.mode = 'base';
      state.records = { read: 25, decoded: 20, malformed: 5 };
      state.streams = {};
      state.events = 4095;
      text = await registry.metrics();
      expect(sampleValue(text, 'flowlens_capture_mode', { mode: 'tracer' })).toBe(0);
      expect(sampleValue(text, 'flowlens_capture_mode', { mode: 'base' })).toBe(1);
      expect(sampleValue(text, 'flowlens_native_records_read_total')).toBe(25);
      expect(sampleValue(text, 'flowlens_records_malformed_total')).toBe(5);
      expect(sampleValue(text, 'flowlens_flow_store_events')).toBe(4095);
      expect(sampleValue(text, 'flowlens_grpc_open_streams', { method: '/observer.Observer/GetFlows' })).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
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

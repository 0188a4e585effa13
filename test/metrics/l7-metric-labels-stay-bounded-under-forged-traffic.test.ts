import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { meteredFlowOf } from '../../src/metrics/metered-flow.js';
import { SeriesLimit } from '../../src/metrics/series-limit.js';
import { DnsHandler } from '../../src/metrics/dns-handler.js';
import { HttpHandler } from '../../src/metrics/http-handler.js';
import { DnsNameCache } from '../../src/parser/l7/dns-name-cache.js';
import { dnsTypeName } from '../../src/parser/l7/dns-names.js';
import { L7Tracker, type L7Payload } from '../../src/parser/l7/l7-tracker.js';
import type { Flow, TrafficDirection } from '../../src/proto/flow.js';
import { findSamples } from '../helpers/exposition.js';
import { buildDnsMessage } from '../parser/l7/dns-message-builder.js';
import { fromClient, fromServer, text } from '../parser/l7/payloads.js';

// A peer forges DNS and HTTP messages with every value it can choose: several questions of
// mixed types, every rcode, answer counts, status codes, protocol versions. The Hubble metric
// families fed from the flows must keep their label values in closed sets, so the number of
// series stays under a bound however many messages arrive.

const FORGED = 20_000;
// Type numbers the parser names, and a few it does not.
const TYPES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 28, 33, 35, 41, 46, 48, 64, 65, 256, 99, 4242, 65535];
const DIRECTIONS: TrafficDirection[] = ['EGRESS', 'INGRESS', 'TRAFFIC_DIRECTION_UNKNOWN'];

function random32(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

function flowOf(tracker: L7Tracker, payload: L7Payload, direction: TrafficDirection): Flow | undefined {
  const observation = tracker.observe(payload);
  return observation?.kind === 'l7' ? { verdict: 'FORWARDED', traffic_direction: direction, ...observation.flow } : undefined;
}

function labelValues(exposition: string, family: string, label: string): Set<string> {
  return new Set(findSamples(exposition, family).map((s) => s.labels[label] ?? ''));
}

function seriesCount(exposition: string, family: string): number {
  return findSamples(exposition, family).length;
}

describe('L7 metric labels stay bounded under forged traffic', () => {
  it('hubble_dns_* take qtypes, type, rcode and ips_returned from closed sets', async () => {
    const next = random32(0x9e3779b9);
    const tracker = new L7Tracker({ names: new DnsNameCache() });
    const registry = new Registry();
    const handler = new DnsHandler();
    handler.init(registry, new SeriesLimit(registry, 10_000));
    for (let i = 0; i < FORGED; i++) {
      const questions = Array.from({ length: 1 + (next() % 4) }, () => ({ name: `q${i}.example`, type: TYPES[next() % TYPES.length]! }));
      const answers = Array.from({ length: next() % 49 }, (_, a) => ({
        name: `q${i}.example`,
        // A records carry the IPs ips_returned counts; the others vary the response types.
        type: a % 2 === 0 ? 1 : TYPES[next() % TYPES.length]!,
        ttl: 60,
        ip: `198.18.${a}.${next() & 255}`,
      }));
      const query = buildDnsMessage({ id: i & 0xffff, questions });
      const response = buildDnsMessage({ id: i & 0xffff, response: true, rcode: next() % 16, questions, answers });
      const extra = { protocol: 'UDP' as const, sourcePort: 53, destinationPort: 1024 + (i % 60_000) };
      const direction = DIRECTIONS[i % 3]!;
      for (const flow of [
        flowOf(tracker, fromClient(BigInt(i), query, { protocol: 'UDP', destinationPort: 53 }), direction),
        flowOf(tracker, fromServer(BigInt(i), response, extra), direction),
      ]) {
        if (flow !== undefined) handler.processFlow(meteredFlowOf(flow));
      }
    }
    const exposition = await registry.metrics();

    const typeNames = new Set([...TYPES.map(dnsTypeName)]);
    const qtypes = labelValues(exposition, 'hubble_dns_responses_total', 'qtypes');
    expect([...qtypes].filter((v) => !typeNames.has(v) && v !== 'other')).toEqual([]);
    expect(qtypes.has('other')).toBe(true);
    expect([...labelValues(exposition, 'hubble_dns_response_types_total', 'type')].filter((v) => !typeNames.has(v))).toEqual([]);
    const ips = labelValues(exposition, 'hubble_dns_responses_total', 'ips_returned');
    expect([...ips].sort()).toEqual([...Array.from({ length: 17 }, (_, n) => String(n)), '>16'].sort());
    expect(labelValues(exposition, 'hubble_dns_responses_total', 'rcode').size).toBeLessThanOrEqual(16);

    console.log(
      `DNS: ${FORGED} forged exchanges -> ${['hubble_dns_queries_total', 'hubble_dns_responses_total', 'hubble_dns_response_types_total']
        .map((f) => `${f} ${seriesCount(exposition, f)} series`)
        .join(', ')}`,
    );
    // The bounds the handler states: 2 x 28 x 18 queries, 21 x 28 x 18 responses, 26 x 28 response types.
    expect(seriesCount(exposition, 'hubble_dns_queries_total')).toBeLessThanOrEqual(2 * 28 * 18);
    expect(seriesCount(exposition, 'hubble_dns_responses_total')).toBeLessThanOrEqual(21 * 28 * 18);
    expect(seriesCount(exposition, 'hubble_dns_response_types_total')).toBeLessThanOrEqual(26 * 28);
  });

  it('hubble_http_* take method, protocol and status from closed sets', async () => {
    const next = random32(0x85ebca6b);
    const tracker = new L7Tracker({ names: new DnsNameCache() });
    const registry = new Registry();
    const handler = new HttpHandler();
    handler.init(registry, new SeriesLimit(registry, 10_000));
    const methods = ['GET', 'POST', 'DELETE', 'PATCH', 'OPTIONS'];
    for (let i = 0; i < FORGED; i++) {
      const connection = { sourcePort: 1024 + (i % 60_000) };
      const version = `HTTP/1.${next() % 10}`;
      const direction = DIRECTIONS[i % 3]!;
      const request = text(`${methods[next() % methods.length]} /${i} ${version}\r\nHost: shop\r\n\r\n`);
      const response = text(`${version} ${100 + (next() % 900)} Whatever\r\n\r\n`);
      for (const flow of [
        flowOf(tracker, fromClient(BigInt(i), request, connection), direction),
        flowOf(tracker, fromServer(BigInt(i) + 1n, response, { destinationPort: connection.sourcePort }), direction),
      ]) {
        if (flow !== undefined) handler.processFlow(meteredFlowOf(flow));
      }
    }
    const exposition = await registry.metrics();

    console.log(
      `HTTP: ${FORGED} forged exchanges -> ${['hubble_http_requests_total', 'hubble_http_responses_total']
        .map((f) => `${f} ${seriesCount(exposition, f)} series`)
        .join(', ')}`,
    );
    const statuses = labelValues(exposition, 'hubble_http_responses_total', 'status');
    expect([...statuses].filter((v) => !/^(?:[1-5][0-9]{2}|[1-5]xx|0)$/.test(v))).toEqual([]);
    expect(statuses.size).toBeLessThanOrEqual(69);
    expect(statuses.has('0')).toBe(true);
    expect(statuses.has('5xx')).toBe(true);
    expect(statuses.has('404')).toBe(true);
    expect([...labelValues(exposition, 'hubble_http_responses_total', 'protocol')].sort()).toEqual(['HTTP/1.0', 'HTTP/1.1', 'other']);
    expect(seriesCount(exposition, 'hubble_http_requests_total')).toBeLessThanOrEqual(10 * 5 * 3);
    expect(seriesCount(exposition, 'hubble_http_responses_total')).toBeLessThanOrEqual(10 * 5 * 69 * 3);
  });
});

import { Histogram, type Registry } from 'prom-client';
import type { Flow } from '../proto/flow.js';
import { BatchedCounter } from './batched-counter.js';
import type { FlowMetricHandler } from './flow-metric-handler.js';
import { LabelTree } from './label-tree.js';

// Methods and protocols come from parsed traffic: anything unusual shares one label value,
// so a peer sending garbage cannot grow the label space.
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);
const KNOWN_PROTOCOL = /^HTTP\/[0-9](?:\.[0-9])?$/;
const OTHER = 'other';
const NANOSECONDS_PER_SECOND = 1e9;

function methodLabel(method: string | undefined): string {
  return method !== undefined && KNOWN_METHODS.has(method) ? method : OTHER;
}

function protocolLabel(protocol: string | undefined): string {
  return protocol !== undefined && KNOWN_PROTOCOL.test(protocol) ? protocol : OTHER;
}

function statusLabel(code: number | undefined): string {
  return code !== undefined && Number.isInteger(code) && code >= 100 && code <= 599 ? String(code) : '0';
}

/** Which side saw the exchange: egress traffic is seen by the client, ingress by the server. */
function reporterLabel(flow: Flow): string {
  if (flow.traffic_direction === 'EGRESS') return 'client';
  if (flow.traffic_direction === 'INGRESS') return 'server';
  return 'unknown';
}

/**
 * hubble_http_requests_total{method,protocol,reporter} for requests,
 * hubble_http_responses_total{method,protocol,status,reporter} and
 * hubble_http_request_duration_seconds{method,reporter} for responses.
 */
export class HttpHandler implements FlowMetricHandler {
  readonly name = 'http';
  private requests!: BatchedCounter<[method: string, protocol: string, reporter: string]>;
  private responses!: BatchedCounter<[method: string, protocol: string, status: string, reporter: string]>;
  private duration!: Histogram<'method' | 'reporter'>;
  // prom-client takes histogram observations one by one; the cache spares a label object per response.
  private readonly durationLabels = new LabelTree(['method', 'reporter'], (labels) => labels);

  init(registry: Registry): void {
    this.requests = new BatchedCounter({
      name: 'hubble_http_requests_total',
      help: 'Count of HTTP requests',
      labelNames: ['method', 'protocol', 'reporter'],
      registry,
    });
    this.responses = new BatchedCounter({
      name: 'hubble_http_responses_total',
      help: 'Count of HTTP responses',
      labelNames: ['method', 'protocol', 'status', 'reporter'],
      registry,
    });
    this.duration = new Histogram({
      name: 'hubble_http_request_duration_seconds',
      help: 'Quantiles of HTTP request duration in seconds',
      labelNames: ['method', 'reporter'],
      registers: [registry],
    });
  }

  processFlow(flow: Flow): void {
    const l7 = flow.l7;
    const http = l7?.http;
    if (!l7 || !http) return;
    const method = methodLabel(http.method);
    const reporter = reporterLabel(flow);
    if (l7.type === 'REQUEST') {
      this.requests.inc(method, protocolLabel(http.protocol), reporter);
    } else if (l7.type === 'RESPONSE') {
      this.responses.inc(method, protocolLabel(http.protocol), statusLabel(http.code), reporter);
      this.duration.observe(this.durationLabels.get(method, reporter), (l7.latency_ns ?? 0) / NANOSECONDS_PER_SECOND);
    }
  }
}

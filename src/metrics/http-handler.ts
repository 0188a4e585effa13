import { Histogram, type Registry } from 'prom-client';
import type { Flow } from '../proto/flow.js';
import { BatchedCounter } from './batched-counter.js';
import type { FlowMetricHandler } from './flow-metric-handler.js';
import { LabelTree } from './label-tree.js';

// Methods, protocols and status codes come from parsed traffic, which anyone can send: each
// label takes its value from a closed set, so a peer sending garbage cannot grow the label
// space. A status code outside the IANA registry is labelled by its class ("5xx", which
// `status=~"5.."` still selects). So there are at most 10 x 5 x 3 request series (method,
// protocol, reporter) and 10 x 5 x 69 x 3 response series (method, protocol, status, reporter).
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);
const KNOWN_PROTOCOLS = new Set(['HTTP/1.0', 'HTTP/1.1', 'HTTP/2', 'HTTP/3']);
// IANA HTTP Status Code Registry.
const REGISTERED_STATUS_CODES = new Set([
  100, 101, 102, 103,
  200, 201, 202, 203, 204, 205, 206, 207, 208, 226,
  300, 301, 302, 303, 304, 305, 306, 307, 308,
  400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 418,
  421, 422, 423, 424, 425, 426, 428, 429, 431, 451,
  500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511,
]);
const OTHER = 'other';
const NANOSECONDS_PER_SECOND = 1e9;

function methodLabel(method: string | undefined): string {
  return method !== undefined && KNOWN_METHODS.has(method) ? method : OTHER;
}

function protocolLabel(protocol: string | undefined): string {
  return protocol !== undefined && KNOWN_PROTOCOLS.has(protocol) ? protocol : OTHER;
}

function statusLabel(code: number | undefined): string {
  if (code === undefined || !Number.isInteger(code) || code < 100 || code > 599) return '0';
  return REGISTERED_STATUS_CODES.has(code) ? String(code) : `${Math.floor(code / 100)}xx`;
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

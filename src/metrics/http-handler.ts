import type { Registry } from 'prom-client';
import { BatchedCounter } from './batched-counter.js';
import { BoundedHistogram } from './bounded-histogram.js';
import { ContextLabels } from './context-options.js';
import type { FlowMetricHandler } from './flow-metric-handler.js';
import type { MeteredFlow } from './metered-flow.js';
import type { SeriesLimit } from './series-limit.js';

// Methods, protocols and status codes come from parsed traffic, which anyone can send: each
// label takes its value from a closed set, so a peer sending garbage cannot grow the label
// space. A status code outside the IANA registry is labelled by its class ("5xx", which
// `status=~"5.."` still selects).
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
function reporterLabel(view: MeteredFlow): string {
  if (view.trafficDirection === 'EGRESS') return 'client';
  if (view.trafficDirection === 'INGRESS') return 'server';
  return 'unknown';
}

export interface HttpOptions {
  /** httpV2: one requests metric counted from responses, labelled from the request's side. */
  v2?: boolean;
  /** Attach the flow's trace id to the series as an exemplar. */
  exemplars?: boolean;
}

/**
 * `http`: hubble_http_requests_total{method,protocol,reporter} for requests,
 * hubble_http_responses_total{method,protocol,status,reporter} and
 * hubble_http_request_duration_seconds{method,reporter} for responses.
 * `httpV2`: hubble_http_requests_total{method,protocol,status,reporter} and the duration, both
 * from responses, with source and destination context labels describing the request's sides.
 * The context labels come first, as upstream.
 */
export class HttpHandler implements FlowMetricHandler {
  readonly name: string;
  readonly l7Only = true;
  private requests!: BatchedCounter;
  private responses!: BatchedCounter;
  private duration!: BoundedHistogram;
  private readonly at: number;
  private readonly values: string[];
  private readonly durationValues: string[];

  constructor(
    private readonly options: HttpOptions = {},
    private readonly context = new ContextLabels(),
  ) {
    this.name = options.v2 ? 'httpV2' : 'http';
    this.at = context.names.length;
    this.values = new Array<string>(this.at + 4).fill('');
    this.durationValues = new Array<string>(this.at + 2).fill('');
  }

  init(registry: Registry, limit: SeriesLimit): void {
    const context = this.context.names;
    const exemplars = this.options.exemplars ?? false;
    if (!this.options.v2) {
      this.requests = new BatchedCounter({
        name: 'hubble_http_requests_total', help: 'Count of HTTP requests',
        labelNames: [...context, 'method', 'protocol', 'reporter'], registry, limit, exemplars,
      });
      this.responses = new BatchedCounter({
        name: 'hubble_http_responses_total', help: 'Count of HTTP responses',
        labelNames: [...context, 'method', 'protocol', 'status', 'reporter'], registry, limit, exemplars,
      });
    } else {
      this.requests = new BatchedCounter({
        name: 'hubble_http_requests_total', help: 'Count of HTTP requests',
        labelNames: [...context, 'method', 'protocol', 'status', 'reporter'], registry, limit, exemplars,
      });
    }
    this.duration = new BoundedHistogram({
      name: 'hubble_http_request_duration_seconds',
      help: 'Quantiles of HTTP request duration in seconds',
      labelNames: [...context, 'method', 'reporter'],
      registry,
      limit,
      exemplars,
    });
  }

  processFlow(view: MeteredFlow): void {
    const l7 = view.l7();
    const http = l7?.http;
    if (!l7 || !http) return;
    const isResponse = l7.type === 'RESPONSE';
    if (!isResponse && (this.options.v2 || l7.type !== 'REQUEST')) return;
    const at = this.at;
    const values = this.values;
    const traceId = this.options.exemplars ? view.traceId() : '';
    this.context.fill(view, values, 0, this.options.v2 === true && isResponse);
    const method = methodLabel(http.method);
    const reporter = reporterLabel(view);
    values[at] = method;
    values[at + 1] = protocolLabel(http.protocol);
    if (!isResponse) {
      values[at + 2] = reporter;
      this.requests.inc(values.slice(0, at + 3), traceId);
      return;
    }
    values[at + 2] = statusLabel(http.code);
    values[at + 3] = reporter;
    (this.options.v2 ? this.requests : this.responses).inc(values, traceId);
    const durationValues = this.durationValues;
    for (let i = 0; i < at; i++) durationValues[i] = values[i]!;
    durationValues[at] = method;
    durationValues[at + 1] = reporter;
    this.duration.observe(durationValues, (l7.latency_ns ?? 0) / NANOSECONDS_PER_SECOND, traceId);
  }
}

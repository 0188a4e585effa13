import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { moduleLogger } from '../log.js';
import { ThrottledLogger } from '../log-throttle.js';
import type { Flow } from '../proto/flow.js';
import { registerAgentStateMetrics, type AgentStateSources } from './agent-state.js';
import { DnsHandler } from './dns-handler.js';
import { DropHandler } from './drop-handler.js';
import type { FlowMetricHandler } from './flow-metric-handler.js';
import { FlowsProcessedHandler } from './flows-processed-handler.js';
import { FlowsToWorldHandler } from './flows-to-world-handler.js';
import { HttpHandler } from './http-handler.js';
import { IcmpHandler } from './icmp-handler.js';
import { LostEventsMetric } from './lost-events.js';
import { meteredFlowOf, type MeteredFlow } from './metered-flow.js';
import { DEFAULT_METRICS, parseMetricSpecs, type MetricSpec } from './metric-spec.js';
import { PortDistributionHandler } from './port-distribution-handler.js';
import { SeriesLimit } from './series-limit.js';
import { TcpFlagsHandler } from './tcp-flags-handler.js';

const log = moduleLogger('metrics');
const HANDLER_FAILURE_LOG_INTERVAL_MS = 60_000;
export const DEFAULT_MAX_SERIES_PER_METRIC = 10_000;

// prom-client's default set repeats these gauges under a `_total` name, which Prometheus
// reserves for counters (promtool rejects them); the same values stay in nodejs_active_*.
const MISNAMED_DEFAULT_METRICS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** The handler of one enabled metric, in one place. */
export function handlerFor(spec: MetricSpec): FlowMetricHandler {
  const on = (option: string): boolean => spec.switches.has(option);
  switch (spec.name) {
    case 'dns':
      return new DnsHandler({ query: on('query'), ignoreAAAA: on('ignoreAAAA') }, spec.context);
    case 'drop':
      return new DropHandler(spec.context);
    case 'flow':
      return new FlowsProcessedHandler(spec.context);
    case 'flows-to-world':
      return new FlowsToWorldHandler({ anyDrop: on('any-drop'), port: on('port'), synOnly: on('syn-only') }, spec.context);
    case 'http':
      return new HttpHandler({ exemplars: on('exemplars') }, spec.context);
    case 'httpV2':
      return new HttpHandler({ v2: true, exemplars: on('exemplars') }, spec.context);
    case 'icmp':
      return new IcmpHandler(spec.context);
    case 'port-distribution':
      return new PortDistributionHandler(spec.context);
    case 'tcp':
      return new TcpFlagsHandler(spec.context);
  }
}

export interface AgentMetricsOptions {
  version: string;
  agentState: AgentStateSources;
  /** Hubble metric entries in Cilium's syntax (metrics.enabled); the default list when absent. */
  flowMetrics?: readonly string[];
  maxSeriesPerMetric?: number;
}

/** The agent's one registry: process metrics, build info, agent state, lost events and the flow metric families. */
export class AgentMetrics {
  readonly registry = new Registry();
  readonly lostEvents: LostEventsMetric;
  private readonly handlers: FlowMetricHandler[];
  private readonly l3l4Handlers: FlowMetricHandler[];
  private readonly failures = new ThrottledLogger(log, HANDLER_FAILURE_LOG_INTERVAL_MS);

  constructor(options: AgentMetricsOptions) {
    collectDefaultMetrics({ register: this.registry });
    for (const name of MISNAMED_DEFAULT_METRICS) this.registry.removeSingleMetric(name);
    new Gauge({
      name: 'flowlens_build_info',
      help: 'Build information of the running agent; always 1',
      labelNames: ['version'],
      registers: [this.registry],
    }).set({ version: options.version }, 1);
    registerAgentStateMetrics(this.registry, options.agentState);
    this.lostEvents = new LostEventsMetric(this.registry);
    const limit = new SeriesLimit(this.registry, options.maxSeriesPerMetric ?? DEFAULT_MAX_SERIES_PER_METRIC);
    const enabled = options.flowMetrics ?? DEFAULT_METRICS;
    this.handlers = parseMetricSpecs(enabled).map(handlerFor);
    this.l3l4Handlers = this.handlers.filter((handler) => !handler.l7Only);
    for (const handler of this.handlers) handler.init(this.registry, limit);
    log.info({ metrics: enabled, maxSeriesPerMetric: limit.maxSeriesPerMetric }, 'flow metrics enabled');
  }

  /** Accounts one flow in every enabled family; a failing family is logged (rate-limited) and does not stop the others. */
  processMetered(view: MeteredFlow): void {
    this.processWith(this.handlers, view);
  }

  /** processMetered for a flow without an L7 part (an L3/L4 record): families that count only L7 flows are skipped. */
  processL3L4(view: MeteredFlow): void {
    this.processWith(this.l3l4Handlers, view);
  }

  processFlow(flow: Flow): void {
    this.processMetered(meteredFlowOf(flow));
  }

  private processWith(handlers: readonly FlowMetricHandler[], view: MeteredFlow): void {
    for (const handler of handlers) {
      try {
        handler.processFlow(view);
      } catch (err) {
        this.failures.warn({ handler: handler.name, err }, 'flow metric handler failed');
      }
    }
  }
}

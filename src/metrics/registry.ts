import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { moduleLogger } from '../log.js';
import { ThrottledLogger } from '../log-throttle.js';
import type { Flow } from '../proto/flow.js';
import { registerAgentStateMetrics, type AgentStateSources } from './agent-state.js';
import { DnsHandler } from './dns-handler.js';
import { DropHandler } from './drop-handler.js';
import type { FlowMetricHandler } from './flow-metric-handler.js';
import { FlowsProcessedHandler } from './flows-processed-handler.js';
import { HttpHandler } from './http-handler.js';
import { LostEventsMetric } from './lost-events.js';
import { TcpFlagsHandler } from './tcp-flags-handler.js';

const log = moduleLogger('metrics');
const HANDLER_FAILURE_LOG_INTERVAL_MS = 60_000;

// prom-client's default set repeats these gauges under a `_total` name, which Prometheus
// reserves for counters (promtool rejects them); the same values stay in nodejs_active_*.
const MISNAMED_DEFAULT_METRICS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** Every flow metric family, in one place. */
export function flowMetricHandlers(): FlowMetricHandler[] {
  return [new FlowsProcessedHandler(), new DropHandler(), new TcpFlagsHandler(), new DnsHandler(), new HttpHandler()];
}

export interface AgentMetricsOptions {
  version: string;
  agentState: AgentStateSources;
}

/** The agent's one registry: process metrics, build info, agent state, lost events and the flow metric families. */
export class AgentMetrics {
  readonly registry = new Registry();
  readonly lostEvents: LostEventsMetric;
  private readonly handlers = flowMetricHandlers();
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
    for (const handler of this.handlers) handler.init(this.registry);
  }

  /** Accounts one flow in every family; a failing family is logged (rate-limited) and does not stop the others. */
  processFlow(flow: Flow): void {
    for (const handler of this.handlers) {
      try {
        handler.processFlow(flow);
      } catch (err) {
        this.failures.warn({ handler: handler.name, err }, 'flow metric handler failed');
      }
    }
  }
}

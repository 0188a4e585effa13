// Reads the agent's own counters from its Prometheus endpoint: what it read from the
// kernel, what it decoded and what it lost, as the agent itself reports them.

const SCRAPE_TIMEOUT_MS = 5_000;
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)$/;

export interface AgentCounters {
  recordsRead: number;
  recordsDecoded: number;
  flowsProcessed: number;
  /** hubble_lost_events_total by source. */
  lost: Record<string, number>;
}

export async function scrapeAgentCounters(metricsPort: number): Promise<AgentCounters> {
  const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { signal: AbortSignal.timeout(SCRAPE_TIMEOUT_MS) });
  const text = await response.text();
  const counters: AgentCounters = { recordsRead: 0, recordsDecoded: 0, flowsProcessed: 0, lost: {} };
  for (const line of text.split('\n')) {
    const match = SAMPLE.exec(line);
    if (match === null) continue;
    const [, name, labels = '', raw] = match;
    const value = Number(raw);
    if (name === 'flowlens_native_records_read_total') counters.recordsRead += value;
    else if (name === 'flowlens_records_decoded_total') counters.recordsDecoded += value;
    else if (name === 'hubble_flows_processed_total') counters.flowsProcessed += value;
    else if (name === 'hubble_lost_events_total') {
      const source = /source="([^"]*)"/.exec(labels)?.[1] ?? 'unknown';
      counters.lost[source] = (counters.lost[source] ?? 0) + value;
    }
  }
  return counters;
}

/** later − earlier, counter by counter. */
export function counterDelta(later: AgentCounters, earlier: AgentCounters): AgentCounters {
  const lost: Record<string, number> = {};
  for (const [source, value] of Object.entries(later.lost)) lost[source] = value - (earlier.lost[source] ?? 0);
  return {
    recordsRead: later.recordsRead - earlier.recordsRead,
    recordsDecoded: later.recordsDecoded - earlier.recordsDecoded,
    flowsProcessed: later.flowsProcessed - earlier.flowsProcessed,
    lost,
  };
}

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { FlowlensError } from '../../src/errors.js';
import { DEFAULT_METRICS } from '../../src/metrics/metric-spec.js';

const dir = mkdtempSync(join(tmpdir(), 'flowlens-hubble-metrics-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function problemsOf(argv: string[], env: Record<string, string> = {}): string {
  try {
    loadConfig({ argv, env });
  } catch (err) {
    expect(err).toBeInstanceOf(FlowlensError);
    expect((err as FlowlensError).code).toBe('FL_CONFIG_INVALID');
    return (err as Error).message;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('metrics.enabled (--hubble-metrics)', () => {
  it("defaults to the list of Cilium's metrics quick start", () => {
    const config = loadConfig({ argv: [], env: {} });
    expect(config.metrics.enabled).toEqual(DEFAULT_METRICS);
    expect(config.metrics.enabled.join(' ')).toBe(
      'dns drop tcp flow port-distribution icmp httpV2:exemplars=true;labelsContext=source_ip,source_namespace,source_workload,destination_ip,destination_namespace,destination_workload,traffic_direction',
    );
    expect(config.metrics.maxSeriesPerMetric).toBe(10_000);
  });

  it('takes a space-separated list from the flag and the environment, a YAML list from the file, and empty for none', () => {
    const flag = loadConfig({ argv: ['--hubble-metrics', 'dns:query;ignoreAAAA  drop:sourceContext=pod;destinationContext=pod flows-to-world:any-drop;port'], env: {} });
    expect(flag.metrics.enabled).toEqual(['dns:query;ignoreAAAA', 'drop:sourceContext=pod;destinationContext=pod', 'flows-to-world:any-drop;port']);
    const env = loadConfig({ argv: [], env: { FLOWLENS_HUBBLE_METRICS: 'flow:sourceContext=workload-name|reserved-identity' } });
    expect(env.metrics.enabled).toEqual(['flow:sourceContext=workload-name|reserved-identity']);
    const path = join(dir, 'config.yaml');
    writeFileSync(path, 'metrics:\n  enabled:\n    - tcp\n    - "icmp:labelsContext=source_namespace,destination_namespace"\n  maxSeriesPerMetric: 500\n');
    const file = loadConfig({ argv: ['--config', path], env: {} });
    expect(file.metrics.enabled).toEqual(['tcp', 'icmp:labelsContext=source_namespace,destination_namespace']);
    expect(file.metrics.maxSeriesPerMetric).toBe(500);
    expect(loadConfig({ argv: ['--hubble-metrics='], env: {} }).metrics.enabled).toEqual([]);
  });

  it.each([
    ['dns dorp', '"dorp" is not a Hubble metric; accepted: dns, drop, flow, flows-to-world, http, httpV2, icmp, port-distribution, tcp'],
    ['dns:qeury', 'dns: "qeury" is not an option of dns; accepted: query, ignoreAAAA, sourceContext, sourceEgressContext'],
    ['drop:sourceContext=pod|podname', 'drop: sourceContext=pod|podname: "podname" is not a context; accepted: identifiers separated by | from identity, namespace, pod, pod-short, pod-name, dns, ip, reserved-identity, workload, workload-name, app'],
    ['httpV2:labelsContext=source_ip,source_node', 'httpV2: labelsContext=source_ip,source_node: "source_node" is not a context label; accepted: labels separated by , from source_ip, source_pod'],
    ['httpV2:exemplars=yes', 'httpV2: exemplars=yes: accepted: exemplars, exemplars=true, exemplars=false'],
    ['flow:destinationContext', 'flow: destinationContext needs a value'],
    ['http httpV2', 'http and httpV2 are both listed'],
    ['tcp tcp', 'tcp is listed twice'],
  ])('rejects %s, naming the setting, the value and what is accepted', (value, problem) => {
    const message = problemsOf(['--hubble-metrics', value]);
    expect(message).toContain(`metrics.enabled (--hubble-metrics): got ${JSON.stringify(value)}, expected Hubble metrics in Cilium's hubble-metrics syntax`);
    expect(message).toContain(problem);
  });

  it('rejects a bad series bound', () => {
    expect(problemsOf(['--metrics-max-series-per-metric', '0'])).toContain(
      'metrics.maxSeriesPerMetric (--metrics-max-series-per-metric): got "0", expected an integer from 1 to 1000000',
    );
  });
});

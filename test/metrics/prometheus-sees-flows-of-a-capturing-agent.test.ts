import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isolatedAgentFlags, startAgentProcess } from '../helpers/agent-process.js';
import { sampleValue } from '../helpers/exposition.js';
import { createPodPair } from '../helpers/netns.js';
import { startPrometheus } from '../helpers/prometheus.js';

describe.each([['tracer'], ['base']] as const)('a real Prometheus scraping an agent in %s mode', (mode) => {
  it('sees the target up and hubble_flows_processed_total grow with captured traffic; promtool accepts the exposition', async () => {
    const pair = createPodPair();
    const agent = await startAgentProcess([...isolatedAgentFlags(), '--capture-mode', mode, '--interfaces', `${pair.hostIfA},${pair.hostIfB}`]).catch((err) => {
      pair.cleanup();
      throw err;
    });
    const prometheus = await startPrometheus({ targets: [`127.0.0.1:${agent.metricsPort}`] }).catch(async (err) => {
      await agent.stop();
      pair.cleanup();
      throw err;
    });
    const dir = mkdtempSync(join(tmpdir(), 'fl-promtool-'));
    try {
      await prometheus.waitFor('up', (samples) => samples.some((s) => s.value === 1));
      const flows = 'sum(hubble_flows_processed_total)';
      const before = (await prometheus.query(flows))[0]?.value ?? 0;
      pair.exec(pair.nsA, ['ping', '-c', '5', '-i', '0.2', '-W', '2', pair.ipB]);
      await prometheus.waitFor(flows, (samples) => (samples[0]?.value ?? 0) >= before + 2, 30_000);
      const icmp = await prometheus.query('sum(hubble_flows_processed_total{protocol="ICMPv4"})');
      expect(icmp[0]?.value).toBeGreaterThanOrEqual(2);

      const text = await (await fetch(`http://127.0.0.1:${agent.metricsPort}/metrics`)).text();
      expect(sampleValue(text, 'flowlens_capture_mode', { mode })).toBe(1);
      expect(sampleValue(text, 'flowlens_attached_interfaces')).toBe(2);
      const file = join(dir, 'metrics.txt');
      writeFileSync(file, text);
      // promtool exits non-zero and names the problem on any lint finding.
      execFileSync('sh', ['-c', `promtool check metrics < ${file}`], { encoding: 'utf8' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await prometheus.stop();
      await agent.stop();
      pair.cleanup();
    }
  });
});

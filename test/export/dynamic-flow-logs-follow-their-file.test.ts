import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DynamicFlowLogs } from '../../src/export/dynamic-flow-logs.js';
import { makeFlow } from '../helpers/flows.js';
import { waitFor } from '../server/tls-fixture.js';
import { kit, lineCounts, readLines } from './flow-log-test-kit.js';

// The flow-logs file in Cilium's format, rewritten while the logs run: logs are added,
// changed, removed and ended as the file says; a broken file changes nothing.

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'flowlens-dynamic-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function counter(registry: import('prom-client').Registry, name: string, labels: Record<string, string>): Promise<number> {
  const metric = await registry.getSingleMetric(name)!.get();
  return metric.values.find((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val))?.value ?? 0;
}

describe('the dynamic flow logs', () => {
  it('start, change, stop and end as the file is rewritten', async () => {
    const { store, registry, metrics } = kit();
    const config = join(dir, 'flowlogs.yaml');
    const drops = join(dir, 'drops.log');
    const all = join(dir, 'all.log');
    const ending = join(dir, 'ending.log');
    writeFileSync(
      config,
      `flowLogs:
- name: drops
  filePath: ${drops}
  includeFilters:
  - verdict: [DROPPED]
  fieldMask: [verdict, Summary]
  fileMaxSizeMb: 0
  fileMaxBackups: 0
- name: all
  filePath: ${all}
`,
    );
    const logs = new DynamicFlowLogs(config, { store, nodeName: 'default/node-a', metrics }, 50);
    await logs.start();
    try {
      expect(logs.names().sort()).toEqual(['all', 'drops']);
      store.pushFlow(makeFlow({ Summary: 'one', verdict: 'DROPPED' }));
      store.pushFlow(makeFlow({ Summary: 'two' }));
      await waitFor('the first lines', async () => (await lineCounts(registry, 'drops')).written === 1 && (await lineCounts(registry, 'all')).written === 2);
      expect(readLines(drops).map((l) => l.flow)).toEqual([{ verdict: 'DROPPED', Summary: 'one' }]);

      // drops now keeps forwarded flows instead; all is removed; ending gets an end time soon.
      writeFileSync(
        config,
        `flowLogs:
- name: drops
  filePath: ${drops}
  includeFilters: ['{"verdict":["FORWARDED"]}']
  fieldMask: [Summary]
- name: ending
  filePath: ${ending}
  end: "${new Date(Date.now() + 1500).toISOString()}"
`,
      );
      await waitFor('the change applied', () => logs.names().sort().join() === 'drops,ending');
      expect(await counter(registry, 'hubble_dynamic_exporter_reconfigurations_total', { op: 'update' })).toBe(1);
      expect(await counter(registry, 'hubble_dynamic_exporter_reconfigurations_total', { op: 'add' })).toBe(3);
      expect(await counter(registry, 'hubble_dynamic_exporter_reconfigurations_total', { op: 'remove' })).toBe(1);
      store.pushFlow(makeFlow({ Summary: 'three' }));
      store.pushFlow(makeFlow({ Summary: 'four', verdict: 'DROPPED' }));
      await waitFor('lines after the change', async () => (await lineCounts(registry, 'drops')).written === 2 && (await lineCounts(registry, 'ending')).written === 2);
      expect(readLines(drops).map((l) => l.flow)).toEqual([{ verdict: 'DROPPED', Summary: 'one' }, { Summary: 'three' }]);
      expect(readLines(all).map((l) => l.flow?.Summary)).toEqual(['one', 'two']);
      expect(await counter(registry, 'hubble_dynamic_exporter_up', { name: 'ending' })).toBe(1);

      // Past its end time, ending writes nothing more and is reported down; drops goes on.
      await waitFor('the end time', async () => (await counter(registry, 'hubble_dynamic_exporter_up', { name: 'ending' })) === 0, 5000);
      expect(await counter(registry, 'hubble_dynamic_exporter_exporters', { status: 'inactive' })).toBe(1);
      store.pushFlow(makeFlow({ Summary: 'five' }));
      await waitFor('drops still writing', async () => (await lineCounts(registry, 'drops')).written === 3);
      expect(readLines(ending).map((l) => l.flow?.Summary)).toEqual(['three', 'four']);

      // A broken file is reported and changes nothing.
      writeFileSync(config, `flowLogs:\n- name: drops\n  filePath: ${drops}\n  includeFilters: [{verdict: [SOMETIMES]}]\n`);
      await waitFor('the failure counted', async () => (await counter(registry, 'hubble_dynamic_exporter_reconfigurations_total', { op: 'failure' })) === 1);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(await counter(registry, 'hubble_dynamic_exporter_reconfigurations_total', { op: 'failure' })).toBe(1);
      expect(logs.names().sort()).toEqual(['drops', 'ending']);
      store.pushFlow(makeFlow({ Summary: 'six' }));
      await waitFor('drops unchanged', async () => (await lineCounts(registry, 'drops')).written === 4);

      // Everything removed.
      writeFileSync(config, 'flowLogs: []\n');
      await waitFor('all removed', () => logs.names().length === 0);
      store.pushFlow(makeFlow({ Summary: 'seven' }));
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(readLines(drops).map((l) => l.flow?.Summary)).toEqual(['one', 'three', 'five', 'six']);
    } finally {
      await logs.stop();
    }
  });

  it('refuses a file with problems, naming each entry and key', async () => {
    const { store, metrics } = kit();
    const config = join(dir, 'flowlogs.yaml');
    writeFileSync(
      config,
      `flowLogs:
- name: a
  filePath: ${dir}/a.log
  fieldMask: [source.nope]
  end: tomorrow
- name: a
  filePath: ${dir}/a.log
  fileMaxSizeMb: -1
  fieldAggregate: [source]
  colour: blue
- filePath: ""
`,
    );
    const logs = new DynamicFlowLogs(config, { store, nodeName: 'n', metrics }, 50);
    const failure = await logs.start().then(
      () => undefined,
      (err: Error) => err.message,
    );
    await logs.stop();
    expect(failure).toContain('flowLogs[0].fieldMask: got ["source.nope"], expected Flow field paths');
    expect(failure).toContain('flowLogs[0].end: got "tomorrow", expected an RFC 3339 time');
    expect(failure).toContain('flowLogs[1].name: "a" is used twice');
    expect(failure).toContain('flowLogs[1].filePath: ');
    expect(failure).toContain('flowLogs[1].fileMaxSizeMb: got -1, expected an integer from 0 to 100000');
    expect(failure).toContain('flowLogs[1].fieldAggregate: flow aggregation is not supported');
    expect(failure).toContain('flowLogs[1]: unknown key colour');
    expect(failure).toContain('flowLogs[2].name: required');
    expect(failure).toContain('flowLogs[2].filePath: got "", expected a non-empty string');
  });
});

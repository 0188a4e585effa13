import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { flowFilterList } from '../../src/export/flow-log-options.js';
import { MEGABYTE } from '../../src/export/rotating-file.js';
import type { Flow } from '../../src/proto/flow.js';
import { makeFlow, makeFlowSeries } from '../helpers/flows.js';
import { waitFor } from '../server/tls-fixture.js';
import { kit, lineCounts, readAllLines, readLines } from './flow-log-test-kit.js';
import { asReceived } from './proto3-canonical.js';

// The exporter over a real flow store, writing real files: which flows become lines, which
// fields they keep, and how the file rotates at the size and backups given in MB.

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'flowlens-flowlog-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const received = (flow: Flow): Flow => asReceived('flow.Flow', flow);

describe('a flow log', () => {
  it('writes every flow pushed after it started, in order, as GetFlowsResponse lines', async () => {
    const { store, registry, exporter } = kit();
    store.pushFlow(makeFlow({ Summary: 'before' }));
    const path = join(dir, 'events.log');
    const log = exporter({ filePath: path });
    log.start();
    const flows = makeFlowSeries(50);
    for (const flow of flows) store.pushFlow(flow);
    await waitFor('50 lines', async () => (await lineCounts(registry)).written === 50);
    await log.stop();
    const lines = readLines(path);
    expect(lines.map((l) => l.response_types)).toEqual(flows.map(() => 'flow'));
    expect(lines.map((l) => l.flow)).toEqual(flows.map(received));
    expect(lines.map((l) => l.node_name)).toEqual(flows.map((f) => f.node_name));
    expect(lines.map((l) => l.time)).toEqual(flows.map((f) => received(f).time));
  });

  it('keeps flows matching an allow filter and no deny filter, given as Cilium takes them', async () => {
    const { store, registry, exporter } = kit();
    const path = join(dir, 'drops.log');
    const log = exporter({
      filePath: path,
      allowList: flowFilterList('{"verdict":["DROPPED"]} {"source_pod":["kube-system/"]}'),
      denyList: flowFilterList('{"destination_port":["53"]}'),
    });
    log.start();
    const flows = [
      makeFlow({ Summary: 'forwarded' }),
      makeFlow({ Summary: 'dropped', verdict: 'DROPPED', drop_reason_desc: 'POLICY_DENIED' }),
      makeFlow({ Summary: 'system', source: { namespace: 'kube-system', pod_name: 'coredns-1' } }),
      makeFlow({ Summary: 'dropped DNS', verdict: 'DROPPED', l4: { UDP: { source_port: 40000, destination_port: 53 } } }),
    ];
    for (const flow of flows) store.pushFlow(flow);
    await waitFor('2 lines', async () => (await lineCounts(registry)).written === 2);
    await log.stop();
    expect(readLines(path).map((l) => l.flow?.Summary)).toEqual(['dropped', 'system']);
  });

  it('writes only the fields of its field mask, taking node name and time from the masked flow as upstream does', async () => {
    const { store, registry, exporter } = kit();
    const path = join(dir, 'masked.log');
    const log = exporter({ filePath: path, fieldMask: ['time', 'verdict', 'source.namespace', 'l4.TCP.destination_port'] });
    log.start();
    const flow = makeFlow({ timeMs: 1_700_000_000_250 });
    store.pushFlow(flow);
    await waitFor('1 line', async () => (await lineCounts(registry)).written === 1);
    await log.stop();
    expect(readLines(path)).toEqual([
      {
        response_types: 'flow',
        flow: { time: flow.time, verdict: 'FORWARDED', source: { namespace: 'default' }, l4: { TCP: { destination_port: 80 }, protocol: 'TCP' } },
        time: flow.time,
      },
    ]);
  });

  it('rotates at the size given in MB and keeps the number of backups given, losing no line of the newest files', async () => {
    const { store, registry, exporter } = kit();
    const path = join(dir, 'events.log');
    const log = exporter({ filePath: path, fileMaxSizeMb: 1, fileMaxBackups: 2 });
    log.start();
    const total = 6000;
    for (let i = 0; i < total; i += 500) {
      for (const flow of makeFlowSeries(500, { uuid: undefined })) store.pushFlow({ ...flow, Summary: `flow ${i + Number(flow.Summary!.slice(5))}` });
      await waitFor('a batch written', async () => (await lineCounts(registry)).written === i + 500);
    }
    await log.stop();
    const names = readdirSync(dir).sort();
    expect(names).toHaveLength(3);
    for (const name of names) expect(statSync(join(dir, name)).size).toBeLessThanOrEqual(MEGABYTE);
    for (const name of names.filter((n) => n !== 'events.log')) {
      expect(name).toMatch(/^events-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}\.\d{3}\.log$/);
      expect(statSync(join(dir, name)).size).toBeGreaterThan(MEGABYTE - 2000);
    }
    const kept = readAllLines(dir, 'events.log').map((l) => Number(l.flow!.Summary!.slice(5)));
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => total - kept.length + i));
    const rotations = await registry.getSingleMetric('flowlens_flowlog_rotations_total')!.get();
    expect(rotations.values[0]!.value).toBeGreaterThanOrEqual(3);
  });

  it('writes nothing from its end time on', async () => {
    const { store, registry, exporter } = kit();
    const path = join(dir, 'ending.log');
    const log = exporter({ filePath: path, end: new Date(Date.now() + 300) });
    log.start();
    store.pushFlow(makeFlow({ Summary: 'in time' }));
    await waitFor('1 line', async () => (await lineCounts(registry)).written === 1);
    await waitFor('the end time', () => !log.active());
    store.pushFlow(makeFlow({ Summary: 'too late' }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await log.stop();
    expect(readLines(path).map((l) => l.flow?.Summary)).toEqual(['in time']);
    expect(await lineCounts(registry)).toEqual({ written: 1, dropped: 0, failed: 0 });
  });
});

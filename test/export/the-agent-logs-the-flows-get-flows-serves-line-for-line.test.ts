import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import type { GetFlowsResponse } from '../../src/proto/observer.js';
import { hubbleProtos } from '../../src/proto/load.js';
import { isolatedAgentFlags, startAgentProcess } from '../helpers/agent-process.js';
import { createPodPair } from '../helpers/netns.js';
import { ping, tcpExchange, udpExchange } from '../capture/pod-traffic.js';
import { collect, waitFor } from '../server/tls-fixture.js';
import { readAllLines } from './flow-log-test-kit.js';
import { proto3Canonical } from './proto3-canonical.js';

// The agent as a process, with the static flow log and a dynamic one, under real traffic
// between two pod namespaces: read back with the project's parser, the lines are the
// responses GetFlows serves, one for one and in the same order.

async function getFlows(port: number, request: object): Promise<GetFlowsResponse[]> {
  const client = new hubbleProtos.observer.Observer(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  try {
    const stream = collect<GetFlowsResponse>(client, 'GetFlows', request);
    await waitFor('GetFlows to end', () => stream.ended !== undefined);
    expect(stream.ended!.code, stream.ended!.details).toBe(grpc.status.OK);
    return stream.received.filter((r) => r.flow !== undefined).map((r) => proto3Canonical('observer.GetFlowsResponse', r));
  } finally {
    client.close();
  }
}

async function linesWritten(metricsPort: number, log: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const match = new RegExp(`^flowlens_flowlog_lines_total\\{log="${log}",outcome="written"\\} (\\d+)$`, 'm').exec(text);
  return match ? Number(match[1]) : 0;
}

describe('the agent with flow logs on', () => {
  it('writes the flows GetFlows serves, line for line, in the static and in a dynamic flow log', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowlens-agent-flowlog-'));
    const pair = createPodPair();
    try {
      const flowlogs = join(dir, 'flowlogs.yaml');
      const tcpOnlyMask = ['time', 'node_name', 'verdict', 'IP', 'l4', 'is_reply', 'Summary'];
      writeFileSync(
        flowlogs,
        `flowLogs:\n- name: tcp-8080\n  filePath: ${join(dir, 'tcp.log')}\n  includeFilters: [{destination_port: ["8080"]}, {source_port: ["8080"]}]\n  fieldMask: [${tcpOnlyMask.join(', ')}]\n`,
      );
      const agent = await startAgentProcess([
        ...isolatedAgentFlags(),
        '--interfaces', `${pair.hostIfA},${pair.hostIfB}`,
        '--hubble-export-file-path', join(dir, 'events.log'),
        '--hubble-export-denylist', '{"protocol":["ICMPv6"]}',
        '--hubble-flowlogs-config-path', flowlogs,
      ]);
      let all: GetFlowsResponse[];
      let tcp: GetFlowsResponse[];
      let written: number;
      try {
        await tcpExchange(pair, pair.ipB, 8080, 40101);
        await udpExchange(pair, pair.ipB, 5300, 40102);
        await ping(pair, pair.ipB);
        await ping(pair, pair.ip6B);
        await waitFor('the TCP close and the ping reply served', async () => {
          all = await getFlows(agent.grpcPort, { number: 4000, blacklist: [{ protocol: ['ICMPv6'] }] });
          return all.some((r) => r.flow?.l4?.TCP?.flags?.FIN === true) && all.some((r) => r.flow?.l4?.ICMPv4 !== undefined && r.flow.IP?.source === pair.ipB);
        });
        all = await getFlows(agent.grpcPort, { number: 4000, blacklist: [{ protocol: ['ICMPv6'] }] });
        tcp = await getFlows(agent.grpcPort, {
          number: 4000,
          whitelist: [{ destination_port: ['8080'] }, { source_port: ['8080'] }],
          field_mask: { paths: tcpOnlyMask },
        });
        await waitFor('the flow log written up to GetFlows', async () => (written = await linesWritten(agent.metricsPort, 'static-exporter')) >= all!.length);
      } finally {
        expect(await agent.stop()).toBe(0);
      }
      const logged = readAllLines(dir, 'events.log');
      expect(all!.length).toBeGreaterThan(5);
      expect(logged.length).toBeGreaterThanOrEqual(written!);
      // Flows may arrive after the GetFlows call; those come after in the log.
      expect(logged.slice(0, all!.length)).toEqual(all!);
      expect(logged.some((r) => r.flow?.l4?.ICMPv6 !== undefined)).toBe(false);

      const loggedTcp = readAllLines(dir, 'tcp.log');
      expect(tcp!.length).toBeGreaterThanOrEqual(3);
      expect(loggedTcp.slice(0, tcp!.length)).toEqual(tcp!);
      for (const line of loggedTcp) expect(Object.keys(line.flow!).filter((key) => !tcpOnlyMask.includes(key))).toEqual([]);
    } finally {
      pair.cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

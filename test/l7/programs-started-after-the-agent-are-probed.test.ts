import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { isolatedAgentFlags, startAgentProcess, type AgentProcess } from '../helpers/agent-process.js';
import { createPodPair } from '../helpers/netns.js';
import { uprobesOf, waitForFlows } from './agent-flows.js';
import { curl, serverCertificate, startHttpsServer, type Server } from './l7-traffic.js';

// A binary carrying OpenSSL that no process had mapped when the agent started (a fresh copy
// of node, so a file of its own) is found when its process starts, and its plaintext follows.

const NAME = 'late.flowlens.test';
const HTTPS_PORT = 443;
const PROBED_WITHIN_MS = 15_000;

describe('tls.parse=true in tracer mode', () => {
  it('probes a binary started after the agent, and shows the plaintext it reads and writes', async () => {
    const pair = createPodPair();
    const dir = mkdtempSync(join(tmpdir(), 'fl-late-node-'));
    const lateNode = join(dir, 'node');
    const certificates = serverCertificate(NAME);
    let agent: AgentProcess | undefined;
    let server: Server | undefined;
    try {
      copyFileSync(process.execPath, lateNode);
      agent = await startAgentProcess([...isolatedAgentFlags(), '--capture-mode', 'tracer', '--tls-parse', '--interfaces', `${pair.hostIfA},${pair.hostIfB}`]);
      const agentPid = agent.child.pid!;
      expect(uprobesOf(agentPid).filter((p) => (p.filename ?? '').endsWith(lateNode))).toEqual([]);

      server = await startHttpsServer(pair.nsB, certificates, HTTPS_PORT, lateNode);
      const deadline = Date.now() + PROBED_WITHIN_MS;
      while (!uprobesOf(agentPid).some((p) => (p.filename ?? '').endsWith(lateNode))) {
        if (Date.now() > deadline) throw new Error(`${lateNode} was not probed within ${PROBED_WITHIN_MS} ms`);
        await delay(100);
      }

      const clientPort = Number(
        await curl(pair.nsA, ['--insecure', '--resolve', `${NAME}:${HTTPS_PORT}:${pair.ipB}`, '--write-out', '%{local_port}', `https://${NAME}/late/start`]),
      );
      // The server's side of the exchange: the request it read, the response it wrote.
      const serverSide = await waitForFlows(
        agent.grpcPort,
        [{ event_type: [{ type: 129 }], http_path: ['^/late/start$'], traffic_direction: ['INGRESS'] }],
        (flows) => flows.length >= 2,
        'server-side L7 flows',
      );
      expect(serverSide.map((f) => `${f.l7?.type} ${f.IP?.source} ${f.l4?.TCP?.source_port}`).sort()).toEqual([
        `REQUEST ${pair.ipA} ${clientPort}`,
        `RESPONSE ${pair.ipB} ${HTTPS_PORT}`,
      ]);
    } finally {
      server?.stop();
      await agent?.stop();
      certificates.remove();
      rmSync(dir, { recursive: true, force: true });
      pair.cleanup();
    }
  });
});

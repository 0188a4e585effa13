import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateCertificates } from '../../src/certs/generate.js';
import { issueCertificate } from '../../src/certs/issue.js';
import { tlsServerName } from '../../src/peers/server-name.js';
import { isolatedAgentFlags, startAgentProcess } from '../helpers/agent-process.js';
import { createPodPair } from '../helpers/netns.js';

const WAIT_MS = 40_000;

async function readiness(port: number): Promise<{ status: number; body: { status: string; failing?: Record<string, string> } }> {
  const res = await fetch(`http://127.0.0.1:${port}/readyz`);
  return { status: res.status, body: (await res.json()) as { status: string; failing?: Record<string, string> } };
}

async function waitForReadiness(port: number, status: number): Promise<{ status: string; failing?: Record<string, string> }> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const answer = await readiness(port);
    if (answer.status === status) return answer.body;
    if (Date.now() > deadline) throw new Error(`readiness stayed ${answer.status}: ${JSON.stringify(answer.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('readiness of a real agent', () => {
  it('turns false when capture detaches (its interfaces vanish) and true again when they come back', async () => {
    const pair = createPodPair();
    try {
      const agent = await startAgentProcess([...isolatedAgentFlags(), '--interfaces', `${pair.hostIfA}`]);
      try {
        await waitForReadiness(agent.healthPort, 200);
        execFileSync('ip', ['link', 'del', pair.hostIfA]);
        const notReady = await waitForReadiness(agent.healthPort, 503);
        expect(notReady.failing?.capture).toBe('no interface is attached');
        execFileSync('ip', ['link', 'add', pair.hostIfA, 'type', 'veth', 'peer', 'name', `${pair.hostIfA}p`]);
        execFileSync('ip', ['link', 'set', pair.hostIfA, 'up']);
        await waitForReadiness(agent.healthPort, 200);
      } finally {
        expect(await agent.stop()).toBe(0);
      }
    } finally {
      pair.cleanup();
    }
  });

  it('turns false when the served certificate expires and true again when a valid one is written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fl-ready-cert-'));
    try {
      const ca = generateCertificates({ outDir: join(dir, 'ca'), nodeName: 'node-1', clusterName: 'default', ips: [], validDays: 2 });
      const live = join(dir, 'live');
      mkdirSync(live);
      const certFile = join(live, 'server.crt');
      const keyFile = join(live, 'server.key');
      const write = (path: string, text: string): void => {
        writeFileSync(`${path}.tmp`, text);
        renameSync(`${path}.tmp`, path);
      };
      const issue = (notAfterMs: number) =>
        issueCertificate(
          { certPem: readFileSync(ca.caCert, 'utf8'), keyPem: readFileSync(ca.caKey!, 'utf8') },
          {
            commonName: tlsServerName('node-1', 'default'),
            dnsNames: [tlsServerName('node-1', 'default')],
            ips: ['127.0.0.1'],
            usage: 'server',
            validity: { notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + notAfterMs) },
          },
        );
      const shortLived = issue(12_000);
      write(certFile, shortLived.certPem);
      write(keyFile, shortLived.keyPem);
      const agent = await startAgentProcess([
        ...isolatedAgentFlags(),
        '--interfaces', 'lo',
        '--hubble-tls-cert-file', certFile,
        '--hubble-tls-key-file', keyFile,
        '--hubble-tls-client-ca-files', ca.clientCaCert,
      ]);
      try {
        await waitForReadiness(agent.healthPort, 200);
        const expired = await waitForReadiness(agent.healthPort, 503);
        expect(expired.failing?.certificate).toMatch(/expired/);
        const metrics = await (await fetch(`http://127.0.0.1:${agent.metricsPort}/metrics`)).text();
        expect(metrics).toMatch(/flowlens_tls_certificate_valid\{file="cert"\} 0/);
        const renewed = issue(86_400_000);
        write(keyFile, renewed.keyPem);
        write(certFile, renewed.certPem);
        await waitForReadiness(agent.healthPort, 200);
      } finally {
        expect(await agent.stop()).toBe(0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

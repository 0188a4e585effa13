import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/agent-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'fl-certs-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('flowlens certs generate', () => {
  it('writes the CA, the agent certificate for the cluster wildcard, node name and IPs, and a relay client certificate', () => {
    const out = join(dir, 'set');
    const result = runCli(['certs', 'generate', '--out', out, '--node-name', 'node-7', '--cluster-name', 'prod', '--ip', '198.18.0.7', '--ip', 'fd00::7']);
    expect(result.status, result.stderr).toBe(0);
    const written = JSON.parse(result.stdout) as Record<string, string>;
    for (const name of ['ca.crt', 'server.crt', 'server.key', 'client-ca.crt', 'client.crt', 'client.key']) {
      expect(existsSync(join(out, name)), name).toBe(true);
    }
    expect(Object.values(written)).toContain(join(out, 'server.crt'));
    expect(statSync(join(out, 'server.key')).mode & 0o777).toBe(0o600);
    const server = new X509Certificate(readFileSync(join(out, 'server.crt')));
    expect(server.checkHost('node-7.prod.hubble-grpc.cilium.io')).toBeTruthy();
    expect(server.checkHost('hubble-peer.prod.hubble-grpc.cilium.io')).toBeTruthy();
    expect(server.checkHost('node-7')).toBeTruthy();
    expect(server.checkIP('198.18.0.7')).toBeTruthy();
    expect(server.checkIP('fd00::7')).toBeTruthy();
    const ca = new X509Certificate(readFileSync(join(out, 'ca.crt')));
    expect(server.verify(ca.publicKey)).toBe(true);
    const client = new X509Certificate(readFileSync(join(out, 'client.crt')));
    expect(client.subject).toContain('CN=*.hubble-relay.cilium.io');
    expect(client.verify(ca.publicKey)).toBe(true);
  });

  it('names what is wrong with its arguments', () => {
    const missingOut = runCli(['certs', 'generate']);
    expect(missingOut.status).toBe(2);
    expect(missingOut.stderr).toContain('--out is required');
    const badDays = runCli(['certs', 'generate', '--out', join(dir, 'x'), '--valid-days', 'ten']);
    expect(badDays.status).toBe(2);
    expect(badDays.stderr).toContain('--valid-days: got "ten", expected a positive integer');
    const unknown = runCli(['certs', 'generate', '--out', join(dir, 'y'), '--bogus']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("Unknown option '--bogus'");
  });
});

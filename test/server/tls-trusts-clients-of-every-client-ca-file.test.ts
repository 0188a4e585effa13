import { copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCertificates, type GeneratedCertificatePaths } from '../../src/certs/generate.js';
import { createCertificateAuthority, issueCertificate, validityForDays } from '../../src/certs/issue.js';
import { healthService, hubbleProtos } from '../../src/proto/load.js';
import { tlsServerName } from '../../src/peers/server-name.js';
import { HealthService, HealthStatusRegistry } from '../../src/server/health-service.js';
import { startListeners } from '../../src/server/listeners.js';
import { ReloadingTlsCredentials } from '../../src/server/tls-credentials.js';
import { TEST_CLUSTER, TEST_NODE, clientTls, ownConnection, unary, waitFor } from './tls-fixture.js';

const REFRESH_INTERVAL_MS = 100;
const SERVER_NAME = tlsServerName(TEST_NODE, TEST_CLUSTER);
const dir = mkdtempSync(join(tmpdir(), 'fl-client-cas-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface ClientAuthority {
  caCert: string;
  clientCert: string;
  clientKey: string;
}

/** A CA of its own and one client certificate it signed. */
function clientAuthority(name: string): ClientAuthority {
  const validity = validityForDays(2);
  const ca = createCertificateAuthority(`${name} client CA`, validity);
  const client = issueCertificate(ca, { commonName: name, dnsNames: [name], ips: [], usage: 'client', validity });
  const paths = { caCert: join(dir, `${name}-ca.crt`), clientCert: join(dir, `${name}.crt`), clientKey: join(dir, `${name}.key`) };
  writeFileSync(paths.caCert, ca.certPem);
  writeFileSync(paths.clientCert, client.certPem);
  writeFileSync(paths.clientKey, client.keyPem);
  return paths;
}

let server: GeneratedCertificatePaths;
let first: ClientAuthority;
let second: ClientAuthority;
let secondRotated: ClientAuthority;
let stranger: ClientAuthority;
beforeAll(() => {
  server = generateCertificates({ outDir: join(dir, 'server'), nodeName: TEST_NODE, clusterName: TEST_CLUSTER, ips: [], validDays: 2 });
  first = clientAuthority('first');
  second = clientAuthority('second');
  secondRotated = clientAuthority('second-rotated');
  stranger = clientAuthority('stranger');
});

/** A Kubernetes secret volume holding one CA file: `client-ca.crt -> ..data/client-ca.crt`, `..data -> ..<version>`. */
class SecretMount {
  readonly file: string;
  private version = 0;

  constructor(private readonly mount: string, caFile: string) {
    mkdirSync(mount);
    this.publish(caFile);
    this.file = join(mount, 'client-ca.crt');
    symlinkSync(join('..data', 'client-ca.crt'), this.file);
  }

  /** What the kubelet does on a secret update: a new versioned directory, the ..data link swapped in one rename. */
  publish(caFile: string): void {
    const previous = this.version;
    this.version += 1;
    const data = join(this.mount, `..v${this.version}`);
    mkdirSync(data);
    copyFileSync(caFile, join(data, 'client-ca.crt'));
    symlinkSync(`..v${this.version}`, join(this.mount, '..data_tmp'));
    renameSync(join(this.mount, '..data_tmp'), join(this.mount, '..data'));
    if (previous > 0) rmSync(join(this.mount, `..v${previous}`), { recursive: true });
  }
}

describe('several client CA files', () => {
  it('lets in clients of every CA in every file, refuses others, and follows a rotation of the second file', async () => {
    const garbage = join(dir, 'garbage.crt');
    writeFileSync(garbage, 'not a certificate\n');

    const firstFile = join(dir, 'first-client-ca.crt');
    copyFileSync(first.caCert, firstFile);
    const secondMount = new SecretMount(join(dir, 'second-mount'), second.caCert);
    const tls = new ReloadingTlsCredentials({
      certFile: server.serverCert,
      keyFile: server.serverKey,
      clientCaFiles: [firstFile, secondMount.file],
      refreshIntervalMs: REFRESH_INTERVAL_MS,
    });
    const listeners = await startListeners({
      services: [{ definition: healthService, implementation: new HealthService(new HealthStatusRegistry()).implementation() }],
      tcpAddress: '127.0.0.1:0',
      tcpCredentials: tls,
    });
    /** Whether a new connection presenting `client`'s certificate gets an answer. */
    const accepted = async (client: Pick<ClientAuthority, 'clientCert' | 'clientKey'>): Promise<boolean> => {
      const health = new hubbleProtos.grpc.health.v1.Health(`127.0.0.1:${listeners.tcpPort}`, clientTls(server.caCert, client).credentials, ownConnection(SERVER_NAME));
      try {
        await unary(health, 'Check', { service: '' });
        return true;
      } catch {
        return false;
      } finally {
        health.close();
      }
    };
    try {
      expect(await accepted(first)).toBe(true);
      expect(await accepted(second)).toBe(true);
      expect(await accepted(stranger)).toBe(false);
      expect(await accepted(server)).toBe(false); // the server's own CA is not a client CA here
      expect(tls.state().files.map((file) => [file.role, file.path, file.valid])).toEqual([
        ['certificate', server.serverCert, true],
        ['key', server.serverKey, true],
        ['clientCa', firstFile, true],
        ['clientCa', secondMount.file, true],
      ]);

      secondMount.publish(secondRotated.caCert);
      await waitFor('a client of the rotated second CA let in', () => accepted(secondRotated));
      expect(await accepted(second)).toBe(false);
      expect(await accepted(first)).toBe(true);
      expect(tls.state()).toMatchObject({ valid: true, servingCurrentFiles: true });

      // An unusable second file is reported on its own path and does not go into service.
      secondMount.publish(garbage);
      await waitFor('the unusable second file noticed', () => !tls.state().servingCurrentFiles);
      const files = tls.state().files;
      expect(files[2]).toMatchObject({ path: firstFile, valid: true });
      expect(files[3]).toMatchObject({ path: secondMount.file, valid: false });
      expect(files[3]!.error).toMatch(/not a parseable CA bundle/);
      expect(await accepted(secondRotated)).toBe(true);
      expect(await accepted(first)).toBe(true);
    } finally {
      await listeners.stop(1_000);
    }
  });
});

import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { FlowlensError } from '../errors.js';
import { clusterWildcardServerName } from '../peers/server-name.js';
import { createCertificateAuthority, issueCertificate, validityForDays, type CertificateAndKey } from './issue.js';

// `flowlens certs generate`: everything needed to try mTLS in one step, laid out the way the
// DaemonSet mounts it (server.crt, server.key, client-ca.crt) plus a client pair for relays and the CLI.

const CERT_FILE_MODE = 0o644;
const KEY_FILE_MODE = 0o600;
const DIR_MODE = 0o755;
const RELAY_CLIENT_NAME = '*.hubble-relay.cilium.io';
const LOOPBACK_IP = '127.0.0.1';
const DNS_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/i;

export interface GenerateCertificatesOptions {
  outDir: string;
  nodeName: string;
  clusterName: string;
  /** Extra IP SANs for the server certificate (127.0.0.1 is always included). */
  ips: readonly string[];
  validDays: number;
  /** Sign with this existing CA instead of creating one, so several nodes and clients share it. */
  ca?: { certFile: string; keyFile: string };
  /** Replace files that already exist in outDir (otherwise that is an error). */
  overwrite?: boolean;
}

export interface GeneratedCertificatePaths {
  caCert: string;
  /** Only when a new CA was created. */
  caKey?: string;
  serverCert: string;
  serverKey: string;
  clientCaCert: string;
  clientCert: string;
  clientKey: string;
}

function validate(options: GenerateCertificatesOptions): void {
  const problems: string[] = [];
  if (options.nodeName === '') problems.push('nodeName must not be empty');
  if (options.clusterName === '') problems.push('clusterName must not be empty');
  if (!Number.isInteger(options.validDays) || options.validDays < 1) problems.push(`validDays must be a whole number of days ≥ 1, got ${options.validDays}`);
  for (const ip of options.ips) {
    if (isIP(ip) === 0) problems.push(`"${ip}" is not an IP address`);
  }
  if (problems.length > 0) throw new FlowlensError('FL_CERTS', problems.join('; '));
}

function loadCa(ca: { certFile: string; keyFile: string }): CertificateAndKey {
  try {
    return { certPem: readFileSync(ca.certFile, 'utf8'), keyPem: readFileSync(ca.keyFile, 'utf8') };
  } catch (err) {
    throw new FlowlensError('FL_CERTS', `the CA cannot be read: ${(err as Error).message}`, { cause: err });
  }
}

export function generateCertificates(options: GenerateCertificatesOptions): GeneratedCertificatePaths {
  validate(options);
  const { outDir, nodeName, clusterName } = options;
  const paths: GeneratedCertificatePaths = {
    caCert: join(outDir, 'ca.crt'),
    ...(options.ca === undefined ? { caKey: join(outDir, 'ca.key') } : {}),
    serverCert: join(outDir, 'server.crt'),
    serverKey: join(outDir, 'server.key'),
    clientCaCert: join(outDir, 'client-ca.crt'),
    clientCert: join(outDir, 'client.crt'),
    clientKey: join(outDir, 'client.key'),
  };
  const existing = Object.values(paths).filter((path) => existsSync(path));
  if (existing.length > 0 && options.overwrite !== true) {
    throw new FlowlensError('FL_CERTS', `refusing to overwrite ${existing.join(', ')} (pass overwrite to replace them)`);
  }

  let ca: CertificateAndKey;
  let server: CertificateAndKey;
  let client: CertificateAndKey;
  try {
    const validity = validityForDays(options.validDays);
    ca = options.ca === undefined ? createCertificateAuthority(`flowlens ${clusterName} CA`, validity) : loadCa(options.ca);
    server = issueCertificate(ca, {
      commonName: clusterWildcardServerName(clusterName),
      dnsNames: [clusterWildcardServerName(clusterName), ...(DNS_NAME.test(nodeName) ? [nodeName] : []), 'localhost'],
      ips: [...new Set([...options.ips, LOOPBACK_IP])],
      usage: 'server',
      validity,
    });
    client = issueCertificate(ca, { commonName: RELAY_CLIENT_NAME, dnsNames: [RELAY_CLIENT_NAME], ips: [], usage: 'client', validity });
  } catch (err) {
    if (err instanceof FlowlensError) throw err;
    throw new FlowlensError('FL_CERTS', (err as Error).message, { cause: err });
  }

  try {
    mkdirSync(outDir, { recursive: true, mode: DIR_MODE });
    writeWithMode(paths.caCert, ca.certPem, CERT_FILE_MODE);
    if (paths.caKey !== undefined) writeWithMode(paths.caKey, ca.keyPem, KEY_FILE_MODE);
    writeWithMode(paths.serverCert, server.certPem, CERT_FILE_MODE);
    writeWithMode(paths.serverKey, server.keyPem, KEY_FILE_MODE);
    // One CA signs both sides; extended key usage keeps a server certificate from acting as a client.
    writeWithMode(paths.clientCaCert, ca.certPem, CERT_FILE_MODE);
    writeWithMode(paths.clientCert, client.certPem, CERT_FILE_MODE);
    writeWithMode(paths.clientKey, client.keyPem, KEY_FILE_MODE);
  } catch (err) {
    throw new FlowlensError('FL_CERTS', `cannot write to ${outDir}: ${(err as Error).message}`, { cause: err });
  }
  return paths;
}

/** The mode is set on creation (no moment with wider permissions) and again for a file that existed. */
function writeWithMode(path: string, content: string, mode: number): void {
  writeFileSync(path, content, { mode });
  chmodSync(path, mode);
}

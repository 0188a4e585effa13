import { randomBytes } from 'node:crypto';
import forge from 'node-forge';

// X.509 building with node-forge: one CA, and leaf certificates it signs. RSA 2048 and
// SHA-256 (forge has no ECDSA certificates); forge generates the key with Node's crypto.

const RSA_KEY_BITS = 2048;
const CLOCK_SKEW_ALLOWANCE_MS = 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
const SAN_DNS = 2;
const SAN_IP = 7;

export interface CertificateAndKey { certPem: string; keyPem: string; }
export interface Validity { notBefore: Date; notAfter: Date; }
export interface LeafRequest {
  commonName: string;
  dnsNames: readonly string[];
  ips: readonly string[];
  /** serverAuth or clientAuth extended key usage. */
  usage: 'server' | 'client';
  validity: Validity;
}

/** `days` from now, starting an hour back so a peer with a slightly slow clock accepts it. */
export function validityForDays(days: number, now = new Date()): Validity {
  return { notBefore: new Date(now.getTime() - CLOCK_SKEW_ALLOWANCE_MS), notAfter: new Date(now.getTime() + days * DAY_MS) };
}

/** A positive 128-bit serial whose first byte keeps the DER integer minimal and non-negative. */
function randomSerialHex(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x3f) | 0x40;
  return bytes.toString('hex');
}

function newCertificate(commonName: string, validity: Validity, publicKey: forge.pki.PublicKey): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = randomSerialHex();
  cert.validity.notBefore = validity.notBefore;
  cert.validity.notAfter = validity.notAfter;
  cert.setSubject([{ name: 'commonName', value: commonName }, { name: 'organizationName', value: 'flowlens' }]);
  return cert;
}

export function createCertificateAuthority(commonName: string, validity: Validity): CertificateAndKey {
  const keys = forge.pki.rsa.generateKeyPair({ bits: RSA_KEY_BITS });
  const cert = newCertificate(commonName, validity, keys.publicKey);
  cert.setIssuer(cert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: forge.pki.privateKeyToPem(keys.privateKey) };
}

export function issueCertificate(ca: CertificateAndKey, request: LeafRequest): CertificateAndKey {
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const caKey = forge.pki.privateKeyFromPem(ca.keyPem);
  const keys = forge.pki.rsa.generateKeyPair({ bits: RSA_KEY_BITS });
  const cert = newCertificate(request.commonName, request.validity, keys.publicKey);
  cert.setIssuer(caCert.subject.attributes);
  const altNames = [
    ...request.dnsNames.map((value) => ({ type: SAN_DNS, value })),
    ...request.ips.map((ip) => ({ type: SAN_IP, ip })),
  ];
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: request.usage === 'server', clientAuth: request.usage === 'client' },
    { name: 'subjectAltName', altNames },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: forge.pki.privateKeyToPem(keys.privateKey) };
}

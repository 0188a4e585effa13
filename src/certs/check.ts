import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';

// What a certificate, key and client CA bundles on disk are worth right now: parseable, in their
// validity window, key matching. Feeds the TLS state that metrics and readiness report.

export type TlsFileRole = 'certificate' | 'key' | 'clientCa';

export interface TlsFileState {
  role: TlsFileRole;
  path: string;
  valid: boolean;
  /** The certificate's end of validity; for a CA bundle the earliest one. */
  notAfter?: Date;
  error?: string;
}

/** A file's bytes, or why they could not be read. */
export type FileContent = { bytes: Buffer } | { readError: string };

export interface TlsFilesContent {
  certificate: FileContent;
  key: FileContent;
  /** One entry per client CA file, in the order of `TlsFilePaths.clientCaFiles`. */
  clientCas: readonly FileContent[];
}

export interface TlsFilePaths {
  certFile: string;
  keyFile: string;
  /** Every CA in every one of these files is trusted to sign client certificates. */
  clientCaFiles: readonly string[];
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function parseCertificates(bytes: Buffer): X509Certificate[] {
  const blocks = bytes.toString('utf8').match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) throw new Error('no PEM certificate in the file');
  return blocks.map((block) => new X509Certificate(block));
}

function windowProblem(cert: X509Certificate, now: Date): string | undefined {
  if (now.getTime() > Date.parse(cert.validTo)) return `expired at ${new Date(cert.validTo).toISOString()}`;
  if (now.getTime() < Date.parse(cert.validFrom)) return `not valid before ${new Date(cert.validFrom).toISOString()}`;
  return undefined;
}

function state(role: TlsFileRole, path: string, error: string | undefined, notAfter?: Date): TlsFileState {
  return { role, path, valid: error === undefined, ...(notAfter === undefined ? {} : { notAfter }), ...(error === undefined ? {} : { error }) };
}

function checkCaBundle(content: FileContent, now: Date): { error?: string; notAfter?: Date; usable: boolean } {
  if ('readError' in content) return { error: content.readError, usable: false };
  try {
    const cas = parseCertificates(content.bytes);
    const earliest = cas.reduce((a, b) => (Date.parse(a.validTo) <= Date.parse(b.validTo) ? a : b));
    const error = cas.map((ca) => windowProblem(ca, now)).find((problem) => problem !== undefined);
    return { notAfter: new Date(earliest.validTo), ...(error === undefined ? {} : { error }), usable: true };
  } catch (err) {
    return { error: `not a parseable CA bundle: ${(err as Error).message}`, usable: false };
  }
}

export interface CheckedTlsFiles {
  files: TlsFileState[];
  /** The leaf certificate, when it parsed. */
  leaf?: X509Certificate;
  /** Whether a TLS server could use these bytes at all (an expired certificate still can). */
  usable: boolean;
}

export function checkTlsFiles(content: TlsFilesContent, paths: TlsFilePaths, now: Date): CheckedTlsFiles {
  let leaf: X509Certificate | undefined;
  let certError: string | undefined;
  let usable = true;
  if ('readError' in content.certificate) {
    certError = content.certificate.readError;
    usable = false;
  } else {
    try {
      leaf = parseCertificates(content.certificate.bytes)[0];
      certError = windowProblem(leaf!, now);
    } catch (err) {
      certError = `not a parseable certificate: ${(err as Error).message}`;
      usable = false;
    }
  }

  let keyError: string | undefined;
  if ('readError' in content.key) {
    keyError = content.key.readError;
    usable = false;
  } else {
    let key: KeyObject | undefined;
    try {
      key = createPrivateKey(content.key.bytes);
    } catch (err) {
      keyError = `not a parseable private key: ${(err as Error).message}`;
      usable = false;
    }
    if (key !== undefined && leaf !== undefined && !leaf.checkPrivateKey(key)) {
      keyError = `does not match the certificate in ${paths.certFile}`;
      usable = false;
    }
  }

  const clientCaFiles = paths.clientCaFiles.map((path, i) => {
    const checked = checkCaBundle(content.clientCas[i]!, now);
    if (!checked.usable) usable = false;
    return state('clientCa', path, checked.error, checked.notAfter);
  });

  return {
    files: [
      state('certificate', paths.certFile, certError, leaf === undefined ? undefined : new Date(leaf.validTo)),
      state('key', paths.keyFile, keyError),
      ...clientCaFiles,
    ],
    ...(leaf === undefined ? {} : { leaf }),
    usable,
  };
}

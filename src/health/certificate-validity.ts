import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

/** What is known about one certificate file right now; the dates are null when it cannot be read. */
export interface CertificateState {
  file: string;
  notBefore: Date | null;
  notAfter: Date | null;
  /** Why the file could not be read or parsed. */
  error?: string;
}

/** Reads the first certificate of a PEM file as it is on disk now (rotation is seen at the next read). */
export function readCertificateState(file: string): CertificateState {
  try {
    const certificate = new X509Certificate(readFileSync(file));
    return { file, notBefore: new Date(certificate.validFrom), notAfter: new Date(certificate.validTo) };
  } catch (err) {
    return { file, notBefore: null, notAfter: null, error: err instanceof Error ? err.message : String(err) };
  }
}

/** null when the certificate is valid at `now`, else a reason naming the file. */
export function certificateProblem(state: CertificateState, now: Date = new Date()): string | null {
  const name = basename(state.file);
  if (state.notBefore === null || state.notAfter === null) return `${name} cannot be read: ${state.error ?? 'unknown error'}`;
  if (now.getTime() > state.notAfter.getTime()) return `${name} expired at ${state.notAfter.toISOString()}`;
  if (now.getTime() < state.notBefore.getTime()) return `${name} is not valid before ${state.notBefore.toISOString()}`;
  return null;
}

/** A readiness check over certificate files as they are on disk at each call. */
export function certificatesCheck(files: readonly string[]): () => string | null {
  return () => {
    const now = new Date();
    const problems = files.map((file) => certificateProblem(readCertificateState(file), now)).filter((problem) => problem !== null);
    return problems.length === 0 ? null : problems.join('; ');
  };
}

import { basename } from 'node:path';
import type { HealthCheck } from './health-checks.js';

/** What is known about one TLS file (certificate, key, CA bundle) as it is on disk now. */
export interface TlsFileStatus {
  path: string;
  valid: boolean;
  /** End of validity, for files holding certificates. */
  notAfter?: Date;
  /** Why the file is not valid ("expired at 2026-01-01T00:00:00.000Z"). */
  error?: string;
}

/** A readiness check failing while any TLS file is invalid, naming each one and why. */
export function tlsFilesCheck(files: () => readonly TlsFileStatus[]): HealthCheck {
  return () => {
    const problems = files()
      .filter((file) => !file.valid)
      .map((file) => `${basename(file.path)} ${file.error ?? 'is not valid'}`);
    return problems.length === 0 ? null : problems.join('; ');
  };
}

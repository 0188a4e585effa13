import { readFileSync } from 'node:fs';
import type { SecureContextOptions } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { checkTlsFiles, type CheckedTlsFiles, type FileContent, type TlsFilePaths, type TlsFileState, type TlsFilesContent } from '../certs/check.js';
import { FlowlensError } from '../errors.js';
import { moduleLogger } from '../log.js';

const log = moduleLogger('tls');

const DEFAULT_REFRESH_INTERVAL_MS = 10_000;
const MIN_TLS_VERSION = 'TLSv1.3';
/** A connection that has not completed the TLS handshake by then is closed (Node's default: 120 s). */
export const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;
/** A TLS client that did not negotiate h2 by ALPN is disconnected after this (Node's default, set explicitly). */
export const UNKNOWN_PROTOCOL_TIMEOUT_MS = 10_000;

export interface TlsCredentialsOptions extends TlsFilePaths {
  /** How often the files are re-read (grpc-js's file watcher polls). */
  refreshIntervalMs?: number;
}

export interface TlsState {
  /** Each file as it is on disk now. */
  files: TlsFileState[];
  /** What clients are shown: the last usable certificate read. */
  served: { fingerprint256: string; serialNumber: string; notAfter: Date };
  /** False when the files on disk changed into something unusable and the previous set is still served. */
  servingCurrentFiles: boolean;
  /** Every file valid and served: what readiness and the metric report. */
  valid: boolean;
}

type ContextWatcher = (options: SecureContextOptions | null) => void;

function readContent(path: string): FileContent {
  try {
    return { bytes: readFileSync(path) };
  } catch (err) {
    return { readError: (err as Error).message };
  }
}

function sameContent(a: FileContent, b: FileContent): boolean {
  if ('bytes' in a && 'bytes' in b) return a.bytes.equals(b.bytes);
  return 'readError' in a && 'readError' in b && a.readError === b.readError;
}

function sameFiles(a: TlsFilesContent, b: TlsFilesContent): boolean {
  return sameContent(a.certificate, b.certificate)
    && sameContent(a.key, b.key)
    && a.clientCas.length === b.clientCas.length
    && a.clientCas.every((ca, i) => sameContent(ca, b.clientCas[i]!));
}

function contextOptions(content: TlsFilesContent): SecureContextOptions {
  const bytes = (file: FileContent) => ('bytes' in file ? file.bytes : Buffer.alloc(0));
  // minVersion goes into every context: Node's setSecureContext() forgets the server's
  // minVersion unless the new options carry it again.
  return { cert: bytes(content.certificate), key: bytes(content.key), ca: content.clientCas.map(bytes), minVersion: MIN_TLS_VERSION };
}

/**
 * grpc-js server credentials for mutual TLS (client certificates required and verified against
 * every CA in the client CA files, TLS 1.3 minimum, ALPN h2 from Node's HTTP/2 server) that
 * follow the files on disk. grpc-js's FileWatcherCertificateProvider polls the certificate and
 * key; it watches one CA file at most, so each poll also reads every client CA file here. Every
 * read is checked first, and only a usable, changed set replaces the server's secure context
 * (open connections keep theirs). An unusable set is reported and the previous one stays in service.
 */
export class ReloadingTlsCredentials extends grpc.ServerCredentials {
  private readonly provider: grpc.experimental.FileWatcherCertificateProvider;
  private read: TlsFilesContent;
  private served: TlsFilesContent;
  private servedLeaf: NonNullable<CheckedTlsFiles['leaf']>;
  /** Counts the sets put into service, so a rotation of a CA file alone is logged too. */
  private servedSets = 1;
  private lastReport = '';
  /** Called on every poll, whether or not the files changed. */
  private readonly onIdentity = (update: grpc.experimental.IdentityCertificateUpdate | null): void => this.evaluate(update);

  constructor(private readonly paths: TlsCredentialsOptions) {
    if (paths.clientCaFiles.length === 0) {
      // Node would fall back to its public root CAs to verify clients: never serve that.
      throw new FlowlensError('FL_TLS_FILES', 'at least one client CA file is required (mutual TLS)');
    }
    const content: TlsFilesContent = {
      certificate: readContent(paths.certFile),
      key: readContent(paths.keyFile),
      clientCas: paths.clientCaFiles.map(readContent),
    };
    const checked = checkTlsFiles(content, paths, new Date());
    if (!checked.usable || checked.leaf === undefined) {
      const problems = checked.files.filter((file) => file.error !== undefined).map((file) => `${file.path}: ${file.error}`);
      throw new FlowlensError('FL_TLS_FILES', problems.join('; '));
    }
    super(
      {
        requestCert: true,
        rejectUnauthorized: true,
        minVersion: MIN_TLS_VERSION,
        handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS,
        unknownProtocolTimeout: UNKNOWN_PROTOCOL_TIMEOUT_MS,
      },
      contextOptions(content),
    );
    this.provider = new grpc.experimental.FileWatcherCertificateProvider({
      certificateFile: paths.certFile,
      privateKeyFile: paths.keyFile,
      refreshIntervalMs: paths.refreshIntervalMs ?? DEFAULT_REFRESH_INTERVAL_MS,
    });
    this.read = content;
    this.served = content;
    this.servedLeaf = checked.leaf;
    this.report();
  }

  state(now = new Date()): TlsState {
    const { files } = checkTlsFiles(this.read, this.paths, now);
    const servingCurrentFiles = this.read === this.served;
    return {
      files,
      served: { fingerprint256: this.servedLeaf.fingerprint256, serialNumber: this.servedLeaf.serialNumber, notAfter: new Date(this.servedLeaf.validTo) },
      servingCurrentFiles,
      valid: servingCurrentFiles && files.every((file) => file.valid),
    };
  }

  override _addWatcher(watcher: ContextWatcher): void {
    if (this.getWatcherCount() === 0) {
      this.provider.addIdentityCertificateListener(this.onIdentity);
    }
    super._addWatcher(watcher);
  }

  override _removeWatcher(watcher: ContextWatcher): void {
    super._removeWatcher(watcher);
    if (this.getWatcherCount() === 0) {
      this.provider.removeIdentityCertificateListener(this.onIdentity);
    }
  }

  override _equals(other: grpc.ServerCredentials): boolean {
    return this === other;
  }

  private evaluate(identity: grpc.experimental.IdentityCertificateUpdate | null): void {
    // The watcher only says that a read failed; read again to learn which file and why.
    const content: TlsFilesContent = {
      certificate: identity ? { bytes: identity.certificate } : readContent(this.paths.certFile),
      key: identity ? { bytes: identity.privateKey } : readContent(this.paths.keyFile),
      clientCas: this.paths.clientCaFiles.map(readContent),
    };
    const changed = !sameFiles(content, this.read);
    if (changed) this.read = content;
    const checked = checkTlsFiles(this.read, this.paths, new Date());
    if (changed && checked.usable && checked.leaf !== undefined) {
      this.served = this.read;
      this.servedLeaf = checked.leaf;
      this.servedSets += 1;
      this.updateSecureContextOptions(contextOptions(this.served));
    }
    this.report();
  }

  /** Logs when what is served or the files' verdicts change — once per change, not per poll. */
  private report(): void {
    const state = this.state();
    const summary = JSON.stringify([this.servedSets, state.servingCurrentFiles, state.files.map((file) => [file.valid, file.error])]);
    if (summary === this.lastReport) return;
    const first = this.lastReport === '';
    this.lastReport = summary;
    const details = {
      served: { serialNumber: state.served.serialNumber, notAfter: state.served.notAfter.toISOString() },
      files: state.files.map((file) => ({ ...file, notAfter: file.notAfter?.toISOString() })),
    };
    if (state.valid) {
      log.info(details, first ? 'TLS certificate loaded' : 'TLS certificate reloaded');
    } else if (state.servingCurrentFiles) {
      log.error(details, 'TLS files are not valid: clients will reject the certificate or be rejected');
    } else {
      log.error(details, 'TLS files on disk are unusable: still serving the previous certificate');
    }
  }
}

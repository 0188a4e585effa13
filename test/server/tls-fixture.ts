import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import type { GeneratedCertificatePaths } from '../../src/certs/generate.js';

// Client-side helpers for the TLS, peer, health and listener tests: real grpc-js clients.

export const TEST_NODE = 'node-1.lab';
export const TEST_CLUSTER = 'test.cluster';

/** Channel options that keep every client on its own connection, so each dial is a new handshake. */
export function ownConnection(serverName?: string): grpc.ChannelOptions {
  return { 'grpc.use_local_subchannel_pool': 1, ...(serverName === undefined ? {} : { 'grpc.ssl_target_name_override': serverName }) };
}

export interface ClientTls {
  credentials: grpc.ChannelCredentials;
  /** SHA-256 fingerprints of every server certificate this client was shown. */
  seenFingerprints: string[];
}

/** mTLS client credentials trusting `caFile`, presenting the given client pair (or none). */
export function clientTls(caFile: string, client?: Pick<GeneratedCertificatePaths, 'clientCert' | 'clientKey'>): ClientTls {
  const seenFingerprints: string[] = [];
  const credentials = grpc.credentials.createSsl(
    readFileSync(caFile),
    client === undefined ? null : readFileSync(client.clientKey),
    client === undefined ? null : readFileSync(client.clientCert),
    {
      checkServerIdentity: (host: string, cert: PeerCertificate) => {
        seenFingerprints.push(cert.fingerprint256);
        return checkServerIdentity(host, cert);
      },
    },
  );
  return { credentials, seenFingerprints };
}

/** Polls `condition` until it holds or the deadline passes (then throws with `what`). */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, deadlineMs = 20_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export function unary<Req, Res>(client: grpc.Client, method: string, request: Req, deadlineMs = 10_000): Promise<Res> {
  return new Promise((resolve, reject) => {
    const fn = (client as unknown as Record<string, (r: Req, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, v: Res) => void) => void>)[method]!;
    fn.call(client, request, { deadline: Date.now() + deadlineMs }, (err, value) => (err ? reject(err) : resolve(value)));
  });
}

export interface CollectedStream<T> {
  call: grpc.ClientReadableStream<T>;
  received: T[];
  /** The status the stream ended with, once it ended. */
  ended?: grpc.StatusObject;
}

/** Opens a server stream and collects what it sends. */
export function collect<T>(client: grpc.Client, method: string, request: unknown): CollectedStream<T> {
  const open = (client as unknown as Record<string, (r: unknown) => grpc.ClientReadableStream<T>>)[method]!;
  const call = open.call(client, request);
  const collected: CollectedStream<T> = { call, received: [] };
  call.on('data', (message: T) => collected.received.push(message));
  call.on('status', (status: grpc.StatusObject) => {
    collected.ended = status;
  });
  call.on('error', () => {
    // the status event carries it
  });
  return collected;
}

import { chmodSync, lstatSync, mkdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { FlowlensError } from '../errors.js';
import { moduleLogger } from '../log.js';
import { rejectUndecodableRequests } from './undecodable-requests.js';
import { writeWindowInterceptor } from './write-window.js';

const log = moduleLogger('listeners');

const SOCKET_DIR_MODE = 0o750;
const SOCKET_FILE_MODE = 0o660;
const DEFAULT_SHUTDOWN_GRACE_MS = 5_000;

// Limits of the gRPC server, on the TCP address and the unix socket alike. Each is an option
// grpc-js 1.14 implements (src/server.ts and src/server-interceptors.ts in @grpc/grpc-js); the
// README's "Security and limits" section lists them. grpc-js has no server-side keepalive
// enforcement (grpc-go's EnforcementPolicy: MinTime, PermitWithoutStream) and no cap on
// connections, so neither is set here (test/hostile/ floods pings and holds idle connections).

/**
 * A request message larger than this is RESOURCE_EXHAUSTED. A hubble CLI request is tens of
 * bytes; 21 filters of 170 values each encode to 64 KB (test/hostile/).
 */
export const MAX_RECEIVE_MESSAGE_BYTES = 1024 * 1024;
/** A response message larger than this is RESOURCE_EXHAUSTED (one flow, L7 fields included, is far smaller). */
export const MAX_SEND_MESSAGE_BYTES = 4 * 1024 * 1024;
/** Streams open at once on one connection (HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS); further ones are refused. */
export const MAX_CONCURRENT_STREAMS = 100;
/** The server pings every connection this often... */
export const KEEPALIVE_TIME_MS = 60_000;
/** ...and closes it when the answer takes longer than this: a half-open connection lasts at most the sum. */
export const KEEPALIVE_TIMEOUT_MS = 20_000;
/** A connection without an open stream for this long is sent GOAWAY and closed. */
export const MAX_CONNECTION_IDLE_MS = 15 * 60_000;

export const GRPC_SERVER_LIMITS: grpc.ServerOptions = {
  // Also bounds what a server stream holds for a client that stops reading.
  interceptors: [writeWindowInterceptor()],
  'grpc.max_receive_message_length': MAX_RECEIVE_MESSAGE_BYTES,
  'grpc.max_send_message_length': MAX_SEND_MESSAGE_BYTES,
  'grpc.max_concurrent_streams': MAX_CONCURRENT_STREAMS,
  'grpc.keepalive_time_ms': KEEPALIVE_TIME_MS,
  'grpc.keepalive_timeout_ms': KEEPALIVE_TIMEOUT_MS,
  'grpc.max_connection_idle_ms': MAX_CONNECTION_IDLE_MS,
};

export interface ServiceBinding {
  definition: grpc.ServiceDefinition;
  implementation: grpc.UntypedServiceImplementation;
}

export interface ListenersOptions {
  services: readonly ServiceBinding[];
  /** Plaintext, for the CLI on the node. */
  unixSocketPath?: string;
  /** `host:port`, e.g. `127.0.0.1:4244`, `[::]:4244`; port 0 picks a free one. */
  tcpAddress?: string;
  /** TLS for the TCP address; plaintext without. Refusing a non-loopback address without TLS is config validation's job. */
  tcpCredentials?: grpc.ServerCredentials;
  /** Laid over GRPC_SERVER_LIMITS (tests shorten the timers). */
  serverOptions?: grpc.ServerOptions;
}

export interface RunningListeners {
  /** The TCP port actually bound. */
  tcpPort?: number;
  unixSocketPath?: string;
  /** Lets open calls finish for up to graceMs, then cancels whatever is left. */
  stop(graceMs?: number): Promise<void>;
}

/** Resolves when something accepts connections on the socket file. */
function socketIsLive(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

async function prepareSocketPath(path: string): Promise<void> {
  mkdirSync(dirname(path), { recursive: true, mode: SOCKET_DIR_MODE });
  let stat;
  try {
    stat = lstatSync(path);
  } catch {
    return;
  }
  if (!stat.isSocket()) throw new FlowlensError('FL_LISTEN', `${path} exists and is not a socket; refusing to replace it`);
  if (await socketIsLive(path)) throw new FlowlensError('FL_LISTEN', `${path} is in use by another process`);
  log.info({ path }, 'removing stale socket file');
  rmSync(path, { force: true });
}

function bind(server: grpc.Server, address: string, credentials: grpc.ServerCredentials): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, credentials, (err, port) => {
      if (err) reject(new FlowlensError('FL_LISTEN', `cannot listen on ${address}: ${err.message}`, { cause: err }));
      else resolve(port);
    });
  });
}

function shutdown(server: grpc.Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      log.warn({ graceMs }, 'calls still open after the grace period; cancelling them');
      server.forceShutdown();
      resolve();
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * One grpc-js server serving every given service on the unix socket and on the TCP address,
 * with GRPC_SERVER_LIMITS; a request that is not valid protobuf is INVALID_ARGUMENT.
 */
export async function startListeners(options: ListenersOptions): Promise<RunningListeners> {
  const server = new grpc.Server({ ...GRPC_SERVER_LIMITS, ...options.serverOptions });
  for (const service of options.services) {
    const { definition, implementation } = rejectUndecodableRequests(service.definition, service.implementation);
    server.addService(definition, implementation);
  }
  const running: RunningListeners = {
    stop: async (graceMs = DEFAULT_SHUTDOWN_GRACE_MS) => {
      await shutdown(server, graceMs);
      if (options.unixSocketPath !== undefined) rmSync(options.unixSocketPath, { force: true });
    },
  };
  try {
    if (options.unixSocketPath !== undefined) {
      const path = options.unixSocketPath;
      await prepareSocketPath(path);
      await bind(server, `unix:${path}`, grpc.ServerCredentials.createInsecure());
      chmodSync(path, SOCKET_FILE_MODE);
      running.unixSocketPath = path;
      log.info({ path }, 'serving on unix socket');
    }
    if (options.tcpAddress !== undefined) {
      const credentials = options.tcpCredentials ?? grpc.ServerCredentials.createInsecure();
      running.tcpPort = await bind(server, options.tcpAddress, credentials);
      log.info({ address: options.tcpAddress, port: running.tcpPort, tls: credentials._isSecure() }, 'serving on TCP');
    }
  } catch (err) {
    server.forceShutdown();
    if (running.unixSocketPath !== undefined) rmSync(running.unixSocketPath, { force: true });
    throw err;
  }
  return running;
}

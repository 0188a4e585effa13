import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FlowlensError } from '../errors.js';

/** Where an HTTP endpoint listens; host '' means every address, port 0 lets the kernel choose. */
export interface ListenAddress {
  host: string;
  port: number;
}

export interface HttpEndpoint {
  /** The bound port (the chosen one when port 0 was asked for). */
  readonly port: number;
  /** Stops accepting, drops idle keep-alive connections (a scraper holds one), waits for the rest. */
  close(): Promise<void>;
}

const REQUEST_TIMEOUT_MS = 10_000;

export function formatListenAddress(address: ListenAddress): string {
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  return `${host}:${address.port}`;
}

/** Starts a plain HTTP server for a small operability endpoint (metrics, health). */
export async function listenHttp(name: string, address: ListenAddress, handler: RequestListener): Promise<HttpEndpoint> {
  const server = createServer({ requestTimeout: REQUEST_TIMEOUT_MS }, handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) =>
      reject(new FlowlensError('FL_LISTEN', `${name} cannot listen on ${formatListenAddress(address)}: ${err.message}`, { cause: err })),
    );
    if (address.host === '') server.listen(address.port, resolve);
    else server.listen(address.port, address.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

import type { ChildProcess } from 'node:child_process';
import { finished, nodeScriptArgv, ready, spawnInNamespace } from '../helpers/namespace-process.js';

// Known traffic inside the pod namespaces, made with small node scripts and ping, run
// asynchronously so that the capture keeps polling meanwhile. Every run is bounded in time.

const RUN_TIMEOUT_MS = 20_000;

/** Runs a command in a namespace to completion; resolves to its stdout. */
export function run(ns: string, argv: readonly string[], input?: string): Promise<string> {
  return finished(spawnInNamespace(ns, argv), argv.join(' '), RUN_TIMEOUT_MS, input);
}

function nodeScript(ns: string, script: string, args: readonly (string | number)[]): ChildProcess {
  return spawnInNamespace(ns, nodeScriptArgv(script, args));
}

/** A server that prints "ready" once listening; stopped with kill(). */
async function startServer(ns: string, script: string, args: readonly (string | number)[]): Promise<ChildProcess> {
  const child = nodeScript(ns, script, args);
  await ready(child, 'server', RUN_TIMEOUT_MS);
  return child;
}

const TCP_SERVER = `
import net from 'node:net';
const [port] = process.argv.slice(-1);
net.createServer((socket) => { socket.resume(); socket.on('end', () => socket.end()); })
  .listen(Number(port), '::', () => console.log('ready'));`;

const TCP_CLIENT = `
import net from 'node:net';
const [host, port, bytes] = process.argv.slice(-3);
let localPort = '';
const socket = net.connect({ host, port: Number(port) }, () => {
  localPort = String(socket.localPort);
  socket.end(Buffer.alloc(Number(bytes), 120));
});
socket.resume();
socket.on('error', (err) => { console.log(err.code); process.exit(0); });
socket.on('close', () => { console.log(localPort); process.exit(0); });`;

const UDP_SERVER = `
import dgram from 'node:dgram';
const [type, port] = process.argv.slice(-2);
const socket = dgram.createSocket(type);
socket.on('message', () => {});
socket.bind(Number(port), () => console.log('ready'));`;

const UDP_SENDER = `
import dgram from 'node:dgram';
const [type, host, port, count, localPort] = process.argv.slice(-5);
const socket = dgram.createSocket(type);
socket.bind(Number(localPort), () => {
  let sent = 0;
  const next = () => {
    if (sent++ < Number(count)) socket.send('x', Number(port), host, next);
    else socket.close();
  };
  next();
});`;

const UDP_SIZED_SENDER = `
import dgram from 'node:dgram';
const [type, host, port, count, localPort] = process.argv.slice(-5);
const socket = dgram.createSocket(type);
socket.bind(Number(localPort), () => {
  let size = 0;
  const next = () => {
    if (++size <= Number(count)) socket.send(Buffer.alloc(size, 120), Number(port), host, next);
    else socket.close();
  };
  next();
});`;

export async function withTcpServer<T>(ns: string, port: number, body: () => Promise<T>): Promise<T> {
  const server = await startServer(ns, TCP_SERVER, [port]);
  try {
    return await body();
  } finally {
    server.kill('SIGKILL');
  }
}

export async function withUdpServer<T>(ns: string, family: 4 | 6, port: number, body: () => Promise<T>): Promise<T> {
  const server = await startServer(ns, UDP_SERVER, [`udp${family}`, port]);
  try {
    return await body();
  } finally {
    server.kill('SIGKILL');
  }
}

/** Connects, sends `bytes`, closes; resolves to the client's port, or the error code when refused. */
export async function tcpClient(ns: string, host: string, port: number, bytes: number): Promise<string> {
  return (await finished(nodeScript(ns, TCP_CLIENT, [host, port, bytes]), `tcp client to ${host}:${port}`, RUN_TIMEOUT_MS)).trim();
}

/** Sends `count` one-byte datagrams from localPort, one after the other. */
export async function udpSend(ns: string, family: 4 | 6, host: string, port: number, count: number, localPort: number): Promise<void> {
  await finished(nodeScript(ns, UDP_SENDER, [`udp${family}`, host, port, count, localPort]), `udp to ${host}:${port}`, RUN_TIMEOUT_MS);
}

/** Sends `count` datagrams from localPort, one after the other, the i-th (from 1) with i bytes. */
export async function udpSendSized(ns: string, family: 4 | 6, host: string, port: number, count: number, localPort: number): Promise<void> {
  await finished(nodeScript(ns, UDP_SIZED_SENDER, [`udp${family}`, host, port, count, localPort]), `udp to ${host}:${port}`, RUN_TIMEOUT_MS);
}

export async function ping(ns: string, host: string, count: number): Promise<void> {
  await run(ns, ['ping', '-c', String(count), '-i', '0.2', '-W', '2', host]);
}

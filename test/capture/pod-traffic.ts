import type { ChildProcess } from 'node:child_process';
import { finished as finishedWithin, nodeScriptArgv, ready as readyWithin } from '../helpers/namespace-process.js';
import type { PodPair } from '../helpers/netns.js';

// Known traffic between the two pod namespaces of a PodPair, made by small node scripts
// (and ping) run inside them. Every exchange is bounded in time and kills what it started.

const EXCHANGE_TIMEOUT_MS = 15_000;

const finished = (child: ChildProcess, what: string): Promise<string> => finishedWithin(child, what, EXCHANGE_TIMEOUT_MS);
const ready = (child: ChildProcess, what: string): Promise<void> => readyWithin(child, what, EXCHANGE_TIMEOUT_MS);

function node(pair: PodPair, ns: string, script: string, ...args: string[]): ChildProcess {
  return pair.spawn(ns, nodeScriptArgv(script, args));
}

const TCP_SERVER = `
import net from 'node:net';
const [host, port] = process.argv.slice(-2);
const server = net.createServer((socket) => {
  socket.once('data', () => socket.end('pong'));
  socket.on('close', () => server.close(() => process.exit(0)));
});
server.listen(Number(port), host, () => console.log('ready'));`;

const TCP_CLIENT = `
import net from 'node:net';
const [host, port, localPort, payloadBytes] = process.argv.slice(-4);
const socket = net.connect({ host, port: Number(port), localPort: Number(localPort) }, () =>
  socket.write('x'.repeat(Number(payloadBytes))),
);
socket.on('data', () => {});
socket.on('end', () => socket.end());
socket.on('close', (hadError) => process.exit(hadError ? 1 : 0));`;

const TCP_REFUSED_CLIENT = `
import net from 'node:net';
const [host, port, localPort] = process.argv.slice(-3);
const socket = net.connect({ host, port: Number(port), localPort: Number(localPort) }, () => process.exit(3));
socket.on('error', (err) => process.exit(err.code === 'ECONNREFUSED' ? 0 : 4));`;

const UDP_SERVER = `
import dgram from 'node:dgram';
const [host, port] = process.argv.slice(-2);
const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
socket.on('message', (msg, from) => socket.send('pong', from.port, from.address, () => process.exit(0)));
socket.bind(Number(port), host, () => console.log('ready'));`;

const UDP_CLIENT = `
import dgram from 'node:dgram';
const [host, port, sourcePort, awaitAnswer] = process.argv.slice(-4);
const socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
socket.bind(Number(sourcePort), () => {
  socket.send('ping', Number(port), host);
  if (awaitAnswer === 'yes') socket.on('message', () => process.exit(0));
  else setTimeout(() => process.exit(0), 300);
});`;

/** A TCP connection from A (clientPort) to B: handshake, a transfer each way, close from both ends. */
export async function tcpExchange(pair: PodPair, serverIp: string, port: number, clientPort: number, payloadBytes = 1000): Promise<void> {
  const server = node(pair, pair.nsB, TCP_SERVER, serverIp, String(port));
  const serverDone = finished(server, 'TCP server');
  try {
    await ready(server, 'TCP server');
    await finished(node(pair, pair.nsA, TCP_CLIENT, serverIp, String(port), String(clientPort), String(payloadBytes)), 'TCP client');
    await serverDone;
  } finally {
    server.kill('SIGKILL');
    await serverDone.catch(() => undefined);
  }
}

/** A TCP connection from A (clientPort) to a port of B where nothing listens: SYN, then RST. */
export async function tcpRefused(pair: PodPair, serverIp: string, port: number, clientPort: number): Promise<void> {
  await finished(node(pair, pair.nsA, TCP_REFUSED_CLIENT, serverIp, String(port), String(clientPort)), 'refused TCP client');
}

/** One UDP datagram from A (sourcePort) to B and its answer. */
export async function udpExchange(pair: PodPair, serverIp: string, port: number, sourcePort: number): Promise<void> {
  const server = node(pair, pair.nsB, UDP_SERVER, serverIp, String(port));
  const serverDone = finished(server, 'UDP server');
  try {
    await ready(server, 'UDP server');
    await finished(node(pair, pair.nsA, UDP_CLIENT, serverIp, String(port), String(sourcePort), 'yes'), 'UDP client');
    await serverDone;
  } finally {
    server.kill('SIGKILL');
    await serverDone.catch(() => undefined);
  }
}

/** One UDP datagram from A (sourcePort) to a port of B where nothing listens. */
export async function udpToClosedPort(pair: PodPair, serverIp: string, port: number, sourcePort: number): Promise<void> {
  await finished(node(pair, pair.nsA, UDP_CLIENT, serverIp, String(port), String(sourcePort), 'no'), 'UDP client');
}

/** One ICMP echo from A to B (IPv4 or IPv6 by the address). */
export async function ping(pair: PodPair, ip: string): Promise<void> {
  const argv = ip.includes(':') ? ['ping', '-6', '-c', '1', '-W', '2', ip] : ['ping', '-c', '1', '-W', '2', ip];
  await finished(pair.spawn(pair.nsA, argv), 'ping');
}

import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished as finishedWithin, nodeScriptArgv, ready, spawnInNamespace } from '../helpers/namespace-process.js';

// Real L7 traffic between the pod namespaces of a test: a tiny DNS server, HTTP and HTTPS
// servers written with node, and real clients (node's resolver, curl, node's https). Every
// process is bounded in time; servers are stopped by their caller.

const RUN_TIMEOUT_MS = 20_000;
const READY_TIMEOUT_MS = 20_000;

function nodeScript(ns: string, script: string, args: readonly (string | number)[], nodeBinary?: string): ChildProcess {
  return spawnInNamespace(ns, nodeScriptArgv(script, args, nodeBinary));
}

async function finished(child: ChildProcess, what: string): Promise<string> {
  return (await finishedWithin(child, what, RUN_TIMEOUT_MS)).trim();
}

export interface Server {
  pid: number;
  stop(): void;
}

/** Starts a node script that prints "ready" once it listens. */
async function startServer(ns: string, script: string, args: readonly (string | number)[], nodeBinary?: string): Promise<Server> {
  const child = nodeScript(ns, script, args, nodeBinary);
  await ready(child, 'server', READY_TIMEOUT_MS);
  return { pid: child.pid!, stop: () => child.kill('SIGKILL') };
}

// Answers A questions for the names given as name=ip arguments (TTL 60); NXDOMAIN otherwise.
const DNS_SERVER = `
import dgram from 'node:dgram';
const answers = new Map(process.argv.slice(process.argv.indexOf('--') + 1).map((a) => a.split('=')));
const socket = dgram.createSocket('udp4');
socket.on('message', (query, peer) => {
  if (query.length < 17) return;
  const labels = [];
  let at = 12;
  while (at < query.length && query[at] !== 0) { labels.push(query.toString('latin1', at + 1, at + 1 + query[at])); at += query[at] + 1; }
  const questionEnd = at + 5;
  if (questionEnd > query.length) return;
  const name = labels.join('.');
  const type = query.readUInt16BE(at + 1);
  const ip = type === 1 ? answers.get(name) : undefined;
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.readUInt16BE(0), 0);
  header.writeUInt16BE(0x8180 | (answers.has(name) ? 0 : 3), 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(ip ? 1 : 0, 6);
  const parts = [header, query.subarray(12, questionEnd)];
  if (ip) {
    const answer = Buffer.alloc(16);
    answer.writeUInt16BE(0xc00c, 0);
    answer.writeUInt16BE(1, 2);
    answer.writeUInt16BE(1, 4);
    answer.writeUInt32BE(60, 6);
    answer.writeUInt16BE(4, 10);
    ip.split('.').forEach((octet, i) => answer.writeUInt8(Number(octet), 12 + i));
    parts.push(answer);
  }
  socket.send(Buffer.concat(parts), peer.port, peer.address);
});
socket.bind(53, () => console.log('ready'));`;

// POST /items answers 201, /missing 404, anything else 200; bodies are drained first.
const HTTP_HANDLER = `
(req, res) => {
  req.resume();
  req.on('end', () => {
    const code = req.url.startsWith('/missing') ? 404 : req.method === 'POST' ? 201 : 200;
    res.writeHead(code, { 'content-type': 'text/plain' });
    res.end('answer to ' + req.method + ' ' + req.url + '\\n');
  });
}`;

const HTTP_SERVER = `
import http from 'node:http';
const [port] = process.argv.slice(-1);
http.createServer(${HTTP_HANDLER}).listen(Number(port), () => console.log('ready'));`;

const HTTPS_SERVER = `
import https from 'node:https';
import { readFileSync } from 'node:fs';
const [dir, port] = process.argv.slice(-2);
https.createServer({ key: readFileSync(dir + '/key.pem'), cert: readFileSync(dir + '/cert.pem') }, ${HTTP_HANDLER})
  .listen(Number(port), () => console.log('ready'));`;

const RESOLVER = `
import { Resolver } from 'node:dns/promises';
const [server, name] = process.argv.slice(-2);
const resolver = new Resolver({ timeout: 5000, tries: 1 });
resolver.setServers([server]);
console.log((await resolver.resolve4(name)).join(','));`;

const JUNK_DATAGRAM = `
import dgram from 'node:dgram';
const [host, port] = process.argv.slice(-2);
const socket = dgram.createSocket('udp4');
socket.send(Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x01]), Number(port), host, () => socket.close());`;

// Prints "<status> <local port>" of one GET.
const HTTPS_GET = `
import https from 'node:https';
const [host, port, path, servername] = process.argv.slice(-4);
https.get({ host, port: Number(port), path, servername, rejectUnauthorized: false, agent: false }, (res) => {
  const localPort = res.socket.localPort;
  res.resume();
  res.on('end', () => console.log(res.statusCode + ' ' + localPort));
}).on('error', (err) => { console.error(err.message); process.exit(1); });`;

export function startDnsServer(ns: string, answers: Readonly<Record<string, string>>): Promise<Server> {
  return startServer(ns, DNS_SERVER, Object.entries(answers).map(([name, ip]) => `${name}=${ip}`));
}

export function startHttpServer(ns: string, port: number): Promise<Server> {
  return startServer(ns, HTTP_SERVER, [port]);
}

export function startHttpsServer(ns: string, certificates: Certificates, port: number, nodeBinary?: string): Promise<Server> {
  return startServer(ns, HTTPS_SERVER, [certificates.dir, port], nodeBinary);
}

/** A real DNS query (node's resolver, c-ares) for the A records of name; resolves to the IPs. */
export async function resolveA(ns: string, server: string, name: string): Promise<string[]> {
  return (await finished(nodeScript(ns, RESOLVER, [server, name]), `resolving ${name}`)).split(',');
}

/** One UDP datagram that is no DNS message. */
export async function sendJunkDatagram(ns: string, host: string, port: number): Promise<void> {
  await finished(nodeScript(ns, JUNK_DATAGRAM, [host, port]), 'junk datagram');
}

/** Runs curl in a namespace; `-w` output is the result. */
export function curl(ns: string, args: readonly string[]): Promise<string> {
  return finished(spawnInNamespace(ns, ['curl', '--silent', '--show-error', '--max-time', '10', '--output', '/dev/null', ...args]), `curl ${args.join(' ')}`);
}

/** An HTTPS GET with node's own https client; resolves to the status code and the client's port. */
export async function nodeHttpsGet(ns: string, host: string, port: number, path: string, servername: string): Promise<{ status: number; localPort: number }> {
  const [status, localPort] = (await finished(nodeScript(ns, HTTPS_GET, [host, port, path, servername]), `https GET ${path}`)).split(' ');
  return { status: Number(status), localPort: Number(localPort) };
}

export interface Certificates {
  dir: string;
  remove(): void;
}

/** A self-signed server certificate for `name`, made with openssl. */
export function serverCertificate(name: string): Certificates {
  const dir = mkdtempSync(join(tmpdir(), 'fl-l7-cert-'));
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', `/CN=${name}`,
      '-addext', `subjectAltName=DNS:${name}`, '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
    { stdio: 'ignore' },
  );
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

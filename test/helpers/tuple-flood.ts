import { execFileSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnInNamespace } from './namespace-process.js';

// A flood of UDP datagrams, each from a random source address in 198.18.0.0/15 and random
// ports, built here as raw frames and sent out of a namespace's interface by the native test
// tool (fl-rawsend), at a fixed pace. The kernel's stacks never make such traffic from one
// host: every datagram is a 5-tuple of its own.

const RAWSEND = resolve(dirname(fileURLToPath(import.meta.url)), '../../native/build/fl-rawsend');
const TICK_MS = 20;
const BENCHMARK_RANGE_BASE = (198 << 24) | (18 << 16);
const BENCHMARK_RANGE_SIZE = 1 << 17;

export interface TupleFlood {
  /** Resolves to the frames sent once the sender ends (all sent, or stopped). */
  done: Promise<number>;
  /** Stops writing frames; `done` then resolves to those sent so far. */
  stop(): void;
}

export interface TupleFloodOptions {
  /** Namespace to send from, out of its `device`, to `destination` (an IPv4 address on the other end). */
  ns: string;
  device: string;
  destinationMac: string;
  destination: string;
  count: number;
  perSecond: number;
  timeoutMs: number;
}

/** The MAC address of an interface inside a namespace. */
export function macOf(ns: string, device: string): string {
  const [link] = JSON.parse(execFileSync('ip', ['-n', ns, '-j', 'link', 'show', device], { encoding: 'utf8' })) as { address: string }[];
  return link!.address;
}

function ipv4Bytes(text: string): number[] {
  return text.split('.').map(Number);
}

function checksum(header: Buffer): number {
  let sum = 0;
  for (let i = 0; i < header.length; i += 2) sum += header.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function randomPort(): number {
  return 1024 + Math.floor(Math.random() * (65536 - 1024));
}

/** One Ethernet frame of a UDP datagram with a random source address (in 198.18.0.0/15) and ports. */
function randomTupleFrame(source: number[], destinationMac: number[], destination: number[]): Buffer {
  const frame = Buffer.alloc(14 + 20 + 8 + 4);
  frame.set(destinationMac, 0);
  frame.set(source, 6);
  frame.writeUInt16BE(0x0800, 12);
  const ip = frame.subarray(14, 34);
  ip[0] = 0x45;
  ip.writeUInt16BE(frame.length - 14, 2);
  ip.writeUInt16BE(Math.floor(Math.random() * 65536), 4);
  ip[8] = 64;
  ip[9] = 17;
  ip.writeUInt32BE((BENCHMARK_RANGE_BASE + Math.floor(Math.random() * BENCHMARK_RANGE_SIZE)) >>> 0, 12);
  ip.set(destination, 16);
  ip.writeUInt16BE(checksum(ip), 10);
  const udp = frame.subarray(34);
  udp.writeUInt16BE(randomPort(), 0);
  // Destination ports stay off the L7 payload ports (53, 80, 443, 8080) and their neighbours.
  udp.writeUInt16BE(10_000 + Math.floor(Math.random() * 50_000), 2);
  udp.writeUInt16BE(udp.length, 4);
  udp.write('tup!', 8);
  return frame;
}

/** Starts the flood; bounded by `count` and by `timeoutMs` (the sender is killed past it). */
export function startTupleFlood(options: TupleFloodOptions): TupleFlood {
  const sourceMac = macOf(options.ns, options.device).split(':').map((b) => parseInt(b, 16));
  const destinationMac = options.destinationMac.split(':').map((b) => parseInt(b, 16));
  const destination = ipv4Bytes(options.destination);
  const sender = spawnInNamespace(options.ns, [RAWSEND, options.device]);
  const stdin = sender.stdin!;
  stdin.on('error', () => {
    // the exit status says what went wrong
  });
  const output = new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    sender.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    sender.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const timer = setTimeout(() => {
      stopped = true;
      sender.kill('SIGKILL');
    }, options.timeoutMs);
    sender.on('error', reject);
    sender.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`the 5-tuple flood exited with ${code}; stderr: ${err}`));
    });
  });
  let stopped = false;
  const perTick = Math.max(1, Math.ceil((options.perSecond * TICK_MS) / 1000));
  const write = async (): Promise<void> => {
    let written = 0;
    while (!stopped && written < options.count && !stdin.destroyed) {
      const started = Date.now();
      const batch = Math.min(perTick, options.count - written);
      const lines: string[] = [];
      for (let i = 0; i < batch; i++) lines.push(randomTupleFrame(sourceMac, destinationMac, destination).toString('hex'));
      written += batch;
      if (!stdin.write(lines.join('\n') + '\n')) {
        await new Promise((resolve) => {
          stdin.once('drain', resolve);
          stdin.once('close', resolve); // the sender ended (killed past its time)
        });
      }
      const rest = TICK_MS - (Date.now() - started);
      if (rest > 0) await new Promise((resolve) => setTimeout(resolve, rest));
    }
    stdin.end();
  };
  const writing = write();
  return {
    done: Promise.all([writing, output]).then(([, out]) => Number(out.trim())),
    stop: () => {
      stopped = true;
    },
  };
}

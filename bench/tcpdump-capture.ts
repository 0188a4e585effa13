import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { atCleanup, trackChild } from './cleanup.js';

// tcpdump on the same interface in the same run, as the yardstick: it writes a pcap file
// (no printing to slow it down), and the distinct 5-tuples in it are counted afterwards.

const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 10_000;
const SNAP_BYTES = 96;
const PCAP_HEADER_BYTES = 24;
const PCAP_RECORD_HEADER_BYTES = 16;
const PCAP_MAGIC_LE_US = 0xa1b2c3d4;
const PCAP_MAGIC_LE_NS = 0xa1b23c4d;
const ETHERTYPE_OFFSET = 12;
const ETHERNET_HEADER_BYTES = 14;
const ETHERTYPE_IPV4 = 0x0800;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;

export interface CapturedTuples {
  /** `proto src:sport>dst:dport` keys. */
  tuples: Set<string>;
  droppedByKernel: number;
}

export function tupleKey(protocol: 'TCP' | 'UDP', source: string, sourcePort: number, destination: string, destinationPort: number): string {
  return `${protocol} ${source}:${sourcePort}>${destination}:${destinationPort}`;
}

export interface TcpdumpCapture {
  pid: number;
  /** SIGINT (tcpdump flushes and reports its counts), then the tuples it captured. */
  stop(): Promise<CapturedTuples>;
}

/** Connection openings from `source`: TCP SYNs without ACK, and UDP datagrams. */
export function openingsFilter(source: string): string {
  return `src host ${source} and (udp or tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn)`;
}

export async function startTcpdump(iface: string, filter: string): Promise<TcpdumpCapture> {
  const dir = mkdtempSync(join(tmpdir(), 'flowlens-bench-pcap-'));
  atCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'capture.pcap');
  const child = trackChild(spawn('tcpdump', ['-i', iface, '-nn', '-p', '-s', String(SNAP_BYTES), '-w', file, filter], { stdio: ['ignore', 'ignore', 'pipe'] }));
  let stderr = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tcpdump did not start: ${stderr}`)), READY_TIMEOUT_MS);
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes('listening on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`tcpdump exited: ${stderr}`));
    });
  });
  return {
    pid: child.pid!,
    stop: async () => {
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
      const dropped = /(\d+) packets? dropped by kernel/.exec(stderr);
      const tuples = readPcapTuples(file);
      rmSync(dir, { recursive: true, force: true });
      return { tuples, droppedByKernel: dropped ? Number(dropped[1]) : 0 };
    },
  };
}

function ipv4(buf: Buffer, at: number): string {
  return `${buf[at]}.${buf[at + 1]}.${buf[at + 2]}.${buf[at + 3]}`;
}

/** Distinct IPv4 TCP/UDP 5-tuples in an Ethernet pcap file. */
function readPcapTuples(file: string): Set<string> {
  const buf = readFileSync(file);
  const tuples = new Set<string>();
  if (buf.length < PCAP_HEADER_BYTES) return tuples;
  const magic = buf.readUInt32LE(0);
  if (magic !== PCAP_MAGIC_LE_US && magic !== PCAP_MAGIC_LE_NS) throw new Error(`${file}: not a little-endian pcap file`);
  let at = PCAP_HEADER_BYTES;
  while (at + PCAP_RECORD_HEADER_BYTES <= buf.length) {
    const length = buf.readUInt32LE(at + 8);
    const frame = buf.subarray(at + PCAP_RECORD_HEADER_BYTES, at + PCAP_RECORD_HEADER_BYTES + length);
    at += PCAP_RECORD_HEADER_BYTES + length;
    if (frame.length < ETHERNET_HEADER_BYTES + 20 || frame.readUInt16BE(ETHERTYPE_OFFSET) !== ETHERTYPE_IPV4) continue;
    const ip = ETHERNET_HEADER_BYTES;
    const protocol = frame[ip + 9];
    const l4 = ip + (frame[ip]! & 0x0f) * 4;
    if ((protocol !== IPPROTO_TCP && protocol !== IPPROTO_UDP) || frame.length < l4 + 4) continue;
    tuples.add(
      tupleKey(protocol === IPPROTO_TCP ? 'TCP' : 'UDP', ipv4(frame, ip + 12), frame.readUInt16BE(l4), ipv4(frame, ip + 16), frame.readUInt16BE(l4 + 2)),
    );
  }
  return tuples;
}

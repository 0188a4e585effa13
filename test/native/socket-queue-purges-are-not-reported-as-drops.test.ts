import type { ChildProcess } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { dropReasonNames } from '../../src/native/binding.js';
import type { PodPair } from '../helpers/netns.js';
import { withCapture } from './capture-fixture.js';
import { udpSend } from './pod-traffic.js';

const UDP = 17;
const LISTEN_PORT = 7101;
const UNREAD_BYTES = 20_000;
const CLOSED_PORT = 6999;
const UDP_SOURCE_PORT = 42001;
const STEP_TIMEOUT_MS = 15_000;
const POLL_STEP_MS = 50;
const NOT_NETWORK_DROPS = ['QUEUE_PURGE', 'SOCKET_CLOSE'];

// A listener that never accepts: once listening it blocks its event loop on stdin, so
// connections wait in its accept queue; on a line it exits, closing the listener, and the
// kernel frees those connections with their unread data (QUEUE_PURGE on this kernel).
const HOLDING_LISTENER = `
import net from 'node:net';
import { readSync } from 'node:fs';
const [port] = process.argv.slice(-1);
net.createServer().listen(Number(port), '0.0.0.0', () => {
  console.log('ready');
  readSync(0, Buffer.alloc(1));
  process.exit(0);
});`;

const SENDER = `
import net from 'node:net';
const [host, port, bytes] = process.argv.slice(-3);
const socket = net.connect({ host, port: Number(port) }, () => {
  socket.write(Buffer.alloc(Number(bytes), 120), () => console.log('sent'));
});
socket.on('error', () => process.exit(0));
socket.on('close', () => process.exit(0));`;

function nodeIn(pair: PodPair, ns: string, script: string, args: readonly (string | number)[]): ChildProcess {
  return pair.spawn(ns, [process.execPath, '--input-type=module', '-e', script, '--', ...args.map(String)]);
}

function printed(child: ChildProcess, word: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`never printed ${word}`)), STEP_TIMEOUT_MS);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes(word)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('child did not exit')), STEP_TIMEOUT_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Bytes queued unread on the listener's side of its established connections (ss Recv-Q). */
function unreadAtListener(pair: PodPair): number {
  const lines = pair.exec(pair.nsB, ['ss', '-Htn', 'state', 'established', `( sport = :${LISTEN_PORT} )`]).trim().split('\n');
  return lines.filter((line) => line !== '').reduce((sum, line) => sum + Number(line.trim().split(/\s+/)[0]), 0);
}

async function untilUnreadAtListener(pair: PodPair, bytes: number): Promise<void> {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  while (unreadAtListener(pair) < bytes) {
    if (Date.now() > deadline) throw new Error(`the listener's connection never held ${bytes} unread bytes`);
    await delay(POLL_STEP_MS);
  }
}

describe('tracer session with drops', () => {
  it('reports no drop when a closed listener frees a connection with unread data, and still NO_SOCKET for UDP to a closed port', async () => {
    await withCapture({ mode: 'tracer', captureDrops: true }, async ({ pair, collector }) => {
      const listener = nodeIn(pair, pair.nsB, HOLDING_LISTENER, [LISTEN_PORT]);
      let sender: ChildProcess | undefined;
      try {
        await printed(listener, 'ready');
        sender = nodeIn(pair, pair.nsA, SENDER, [pair.ipB, LISTEN_PORT, UNREAD_BYTES]);
        await printed(sender, 'sent');
        await untilUnreadAtListener(pair, UNREAD_BYTES);
        listener.stdin?.write('\n');
        await exited(listener);
        await exited(sender);
      } finally {
        listener.kill('SIGKILL');
        sender?.kill('SIGKILL');
      }
      expect(unreadAtListener(pair)).toBe(0);

      // Drops are submitted as they happen: once the UDP one is read, the purge's would have been.
      await udpSend(pair.nsA, 4, pair.ipB, CLOSED_PORT, 1, UDP_SOURCE_PORT);
      const noSocket = await collector.waitFor(
        (r) => r.kind === 'drop' && r.protocol === UDP && r.source === pair.ipA && r.sourcePort === UDP_SOURCE_PORT,
        (rs) => rs.length > 0,
      );
      const names = dropReasonNames();
      expect(names.get(noSocket[0]!.dropReason)).toBe('NO_SOCKET');

      // Ignored in the kernel program, so none at all: neither this connection's nor any other.
      const notNetwork = collector.records.filter((r) => r.kind === 'drop' && NOT_NETWORK_DROPS.includes(names.get(r.dropReason) ?? ''));
      expect(notNetwork.map((r) => `${names.get(r.dropReason)} ${r.source}:${r.sourcePort} > ${r.destination}:${r.destinationPort}`)).toEqual([]);
    });
  });
});

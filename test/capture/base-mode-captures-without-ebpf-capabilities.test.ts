import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { Flow } from '../../src/proto/flow.js';
import { PRIVILEGE_WRAPPERS } from '../helpers/agent-cli.js';
import { createPodPair } from '../helpers/netns.js';
import { until, view, type FlowView } from './capture-session.js';
import { ping, tcpExchange } from './pod-traffic.js';

// Base mode where eBPF is really gone (CAP_BPF, CAP_SYS_ADMIN, CAP_PERFMON and
// CAP_NET_ADMIN dropped with setpriv): AF_PACKET alone still turns pod traffic into the
// same flows, and the capture stops cleanly.

const HERE = dirname(fileURLToPath(import.meta.url));
const CHILD = resolve(HERE, 'capture-child.mjs');
const COMPILED = resolve(HERE, '../../dist/src/capture/native-source.js');

interface ChildEvents {
  probe?: Record<string, number>;
  ready?: Array<{ name: string; role: string }>;
  flows: Flow[];
  stopped?: { errors: number; lost: number; attachedInterfaces: number };
  exitCode?: number | null;
}

function startChild(argv: string[]): { child: ChildProcess; events: ChildEvents } {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  const events: ChildEvents = { flows: [] };
  let pending = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{"probe"') && !line.startsWith('{"ready"') && !line.startsWith('{"flow"') && !line.startsWith('{"stopped"')) continue;
      const event = JSON.parse(line) as { probe?: ChildEvents['probe']; ready?: ChildEvents['ready']; flow?: Flow; stopped?: ChildEvents['stopped'] };
      if (event.probe) events.probe = event.probe;
      if (event.ready) events.ready = event.ready;
      if (event.flow) events.flows.push(event.flow);
      if (event.stopped) events.stopped = event.stopped;
    }
  });
  child.stderr!.resume();
  child.on('exit', (code) => {
    events.exitCode = code;
  });
  return { child, events };
}

describe('base mode without eBPF capabilities', () => {
  it('captures TCP and ICMP between pods with AF_PACKET alone, then stops cleanly', async () => {
    expect(existsSync(COMPILED), 'dist/ is missing: build first (scripts/build.sh)').toBe(true);
    const pair = createPodPair();
    const argv = [...PRIVILEGE_WRAPPERS.setprivNoBpf, process.execPath, CHILD, 'base', pair.hostIfA, pair.hostIfB];
    const { child, events } = startChild(argv);
    try {
      await until('the capture child to start', () => events.ready ?? (events.exitCode !== undefined ? [] : undefined), 20_000);
      expect(events.probe?.bpf_prog_load).toBeLessThan(0);
      expect(events.probe?.af_packet).toBe(0);
      expect(events.ready?.map((i) => [i.name, i.role]).sort()).toEqual([[pair.hostIfA, 'endpoint'], [pair.hostIfB, 'endpoint']].sort());

      await tcpExchange(pair, pair.ipB, 8443, 46000);
      await ping(pair, pair.ipB);
      const handshake = (sourcePort: number, destinationPort: number, flags: Record<string, true>) => ({
        TCP: { source_port: sourcePort, destination_port: destinationPort, flags },
      });
      const common = { verdict: 'FORWARDED' as const, ipVersion: 'IPv4' as const, eventType: 4, dropReason: undefined };
      const expected: FlowView[] = [
        { ...common, source: pair.ipA, destination: pair.ipB, l4: handshake(46000, 8443, { SYN: true }), summary: 'TCP Flags: SYN', reply: false, direction: 'EGRESS', point: 'FROM_ENDPOINT', iface: pair.hostIfA },
        { ...common, source: pair.ipA, destination: pair.ipB, l4: handshake(46000, 8443, { SYN: true }), summary: 'TCP Flags: SYN', reply: false, direction: 'INGRESS', point: 'TO_ENDPOINT', iface: pair.hostIfB },
        { ...common, source: pair.ipB, destination: pair.ipA, l4: handshake(8443, 46000, { SYN: true, ACK: true }), summary: 'TCP Flags: SYN, ACK', reply: true, direction: 'INGRESS', point: 'FROM_ENDPOINT', iface: pair.hostIfB },
        { ...common, source: pair.ipB, destination: pair.ipA, l4: handshake(8443, 46000, { SYN: true, ACK: true }), summary: 'TCP Flags: SYN, ACK', reply: true, direction: 'EGRESS', point: 'TO_ENDPOINT', iface: pair.hostIfA },
        { ...common, source: pair.ipA, destination: pair.ipB, l4: { ICMPv4: { type: 8, code: 0 } }, summary: 'ICMPv4 EchoRequest', reply: false, direction: 'EGRESS', point: 'FROM_ENDPOINT', iface: pair.hostIfA },
        { ...common, source: pair.ipB, destination: pair.ipA, l4: { ICMPv4: { type: 0, code: 0 } }, summary: 'ICMPv4 EchoReply', reply: true, direction: 'EGRESS', point: 'TO_ENDPOINT', iface: pair.hostIfA },
      ];
      const missing = () => expected.filter((e) => !events.flows.some((f) => isDeepStrictEqual(view(f), e)));
      try {
        await until('the base-mode flows', () => missing().length === 0);
      } catch {
        expect(events.flows.map(view)).toEqual(expect.arrayContaining(missing()));
      }

      child.kill('SIGTERM');
      await until('the capture child to stop', () => events.exitCode !== undefined, 20_000);
      expect(events.exitCode).toBe(0);
      expect(events.stopped).toMatchObject({ errors: 0, lost: 0, attachedInterfaces: 0 });
    } finally {
      if (events.exitCode === undefined) child.kill('SIGKILL');
      pair.cleanup();
    }
  });
});

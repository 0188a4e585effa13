import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaptureMode } from '../../src/capture/mode.js';
import type { Flow } from '../../src/proto/flow.js';
import { createPodPair, type PodPair } from '../helpers/netns.js';
import { captureSession, sessionConfig, until, view, type CaptureSession, type FlowView } from './capture-session.js';
import { ping, tcpExchange, tcpRefused, udpExchange, udpToClosedPort } from './pod-traffic.js';

// Real kernel, real capture: pod A talks to pod B through the host-side veths the
// capture is attached to. Every packet crosses two of them: it leaves A at TC ingress of
// hostIfA (FROM_ENDPOINT) and reaches B at TC egress of hostIfB (TO_ENDPOINT).

const MODES: CaptureMode[] = ['tracer', 'base'];

type Family = 'IPv4' | 'IPv6';

describe.each(MODES)('%s mode capture of pod traffic', (mode) => {
  let pair: PodPair;
  let session: CaptureSession;

  beforeAll(async () => {
    pair = createPodPair();
    session = captureSession(sessionConfig(mode), [pair.hostIfA, pair.hostIfB]);
    await session.source.start();
  });

  afterAll(async () => {
    try {
      await session?.source.stop();
    } finally {
      pair?.cleanup();
    }
  });

  function addresses(family: Family): { a: string; b: string } {
    return family === 'IPv4' ? { a: pair.ipA, b: pair.ipB } : { a: pair.ip6A, b: pair.ip6B };
  }

  /**
   * The packet as seen leaving its sender's pod and reaching the receiver's pod. A starts
   * every connection here, so from A's side each flow is EGRESS and from B's INGRESS,
   * whichever way the packet goes.
   */
  function bothInterfaces(fromA: boolean, reply: boolean, packet: Omit<FlowView, 'direction' | 'point' | 'reply' | 'iface'>): FlowView[] {
    const atA = { direction: 'EGRESS' as const, iface: pair.hostIfA };
    const atB = { direction: 'INGRESS' as const, iface: pair.hostIfB };
    return [
      { ...packet, ...(fromA ? atA : atB), point: 'FROM_ENDPOINT', reply },
      { ...packet, ...(fromA ? atB : atA), point: 'TO_ENDPOINT', reply },
    ];
  }

  function forwarded(family: Family, fromA: boolean, l4: Flow['l4'], summary: string) {
    const { a, b } = addresses(family);
    return {
      verdict: 'FORWARDED' as const,
      source: fromA ? a : b,
      destination: fromA ? b : a,
      ipVersion: family,
      l4,
      summary,
      eventType: 4,
      dropReason: undefined,
    };
  }

  function dropped(family: Family, l4: Flow['l4'], summary: string): FlowView {
    const { a, b } = addresses(family);
    // Freed inside pod B's namespace on its way in: no interface of ours, a request into B.
    return {
      verdict: 'DROPPED',
      source: a,
      destination: b,
      ipVersion: family,
      l4,
      direction: 'INGRESS',
      point: 'UNKNOWN_POINT',
      reply: false,
      iface: undefined,
      summary,
      eventType: 1,
      dropReason: 'SOCKET_LOOKUP_FAILED',
    };
  }

  function ours(flow: Flow): boolean {
    const mine = [pair.ipA, pair.ipB, pair.ip6A, pair.ip6B];
    return mine.includes(flow.IP?.source ?? '') && mine.includes(flow.IP?.destination ?? '');
  }

  async function expectFlows(what: string, expected: FlowView[]): Promise<void> {
    const missing = () => expected.filter((e) => !session.flows.some((f) => ours(f) && isDeepStrictEqual(view(f), e)));
    try {
      await until(what, () => missing().length === 0);
    } catch {
      expect(session.flows.filter(ours).map(view)).toEqual(expect.arrayContaining(missing()));
    }
  }

  function tcp(sourcePort: number, destinationPort: number, flags: Record<string, true>) {
    return { TCP: { source_port: sourcePort, destination_port: destinationPort, flags } };
  }

  it('attaches the host-side veths as endpoint interfaces', () => {
    expect(session.source.attachedInterfaces().map((i) => [i.name, i.role]).sort()).toEqual(
      [[pair.hostIfA, 'endpoint'], [pair.hostIfB, 'endpoint']].sort(),
    );
  });

  it.each<Family>(['IPv4', 'IPv6'])('TCP connection over %s: handshake, transfer, close', async (family) => {
    const { b } = addresses(family);
    const [server, client] = family === 'IPv4' ? [8080, 41000] : [8086, 41006];
    await tcpExchange(pair, b, server, client);
    await expectFlows(`${family} TCP handshake`, [
      ...bothInterfaces(true, false, forwarded(family, true, tcp(client, server, { SYN: true }), 'TCP Flags: SYN')),
      ...bothInterfaces(false, true, forwarded(family, false, tcp(server, client, { SYN: true, ACK: true }), 'TCP Flags: SYN, ACK')),
    ]);
    // Each side's FIN, seen leaving its pod and reaching the other; the client's is a request, the server's a reply.
    for (const fromA of [true, false]) {
      const sender = fromA ? addresses(family).a : b;
      const fins = await until(`FIN from ${fromA ? 'the client' : 'the server'} on both veths`, () => {
        const found = session.flows.filter((f) => ours(f) && f.IP?.source === sender && f.l4?.TCP?.flags?.FIN === true);
        const seenOn = new Set(found.map((f) => f.interface?.name));
        return seenOn.has(pair.hostIfA) && seenOn.has(pair.hostIfB) ? found : undefined;
      });
      for (const f of fins) {
        expect([f.interface?.name, f.traffic_direction, f.is_reply?.value]).toEqual(
          f.interface?.name === pair.hostIfA ? [pair.hostIfA, 'EGRESS', !fromA] : [pair.hostIfB, 'INGRESS', !fromA],
        );
      }
    }
  });

  it.each<Family>(['IPv4', 'IPv6'])('refused TCP connection over %s: SYN answered by RST', async (family) => {
    const { b } = addresses(family);
    const [server, client] = family === 'IPv4' ? [9090, 42000] : [9096, 42006];
    await tcpRefused(pair, b, server, client);
    const expected = [
      ...bothInterfaces(true, false, forwarded(family, true, tcp(client, server, { SYN: true }), 'TCP Flags: SYN')),
      ...bothInterfaces(false, true, forwarded(family, false, tcp(server, client, { RST: true, ACK: true }), 'TCP Flags: ACK, RST')),
    ];
    if (mode === 'tracer') {
      expected.push(dropped(family, tcp(client, server, { SYN: true }), 'TCP Flags: SYN, kernel drop reason NO_SOCKET'));
    }
    await expectFlows(`${family} refused TCP`, expected);
  });

  it.each<Family>(['IPv4', 'IPv6'])('UDP request and answer over %s', async (family) => {
    const { b } = addresses(family);
    const [server, client] = family === 'IPv4' ? [5353, 43000] : [5356, 43006];
    await udpExchange(pair, b, server, client);
    await expectFlows(`${family} UDP`, [
      ...bothInterfaces(true, false, forwarded(family, true, { UDP: { source_port: client, destination_port: server } }, 'UDP')),
      ...bothInterfaces(false, true, forwarded(family, false, { UDP: { source_port: server, destination_port: client } }, 'UDP')),
    ]);
  });

  it.each<Family>(['IPv4', 'IPv6'])('UDP to a closed port over %s: port unreachable, and in tracer mode the kernel drop with its reason', async (family) => {
    const { b } = addresses(family);
    const [server, client] = family === 'IPv4' ? [7, 44000] : [7, 44006];
    await udpToClosedPort(pair, b, server, client);
    const unreachable: Flow['l4'] = family === 'IPv4' ? { ICMPv4: { type: 3, code: 3 } } : { ICMPv6: { type: 1, code: 4 } };
    const unreachableText = family === 'IPv4' ? 'ICMPv4 DestinationUnreachable(Port)' : 'ICMPv6 DestinationUnreachable(PortUnreachable)';
    const expected = [
      ...bothInterfaces(true, false, forwarded(family, true, { UDP: { source_port: client, destination_port: server } }, 'UDP')),
      ...bothInterfaces(false, true, forwarded(family, false, unreachable, unreachableText)),
    ];
    if (mode === 'tracer') {
      expected.push(dropped(family, { UDP: { source_port: client, destination_port: server } }, 'UDP, kernel drop reason NO_SOCKET'));
    }
    await expectFlows(`${family} UDP to a closed port`, expected);
  });

  it.each<Family>(['IPv4', 'IPv6'])('ICMP echo over %s', async (family) => {
    const { b } = addresses(family);
    await ping(pair, b);
    const [request, reply] =
      family === 'IPv4'
        ? [{ ICMPv4: { type: 8, code: 0 } }, { ICMPv4: { type: 0, code: 0 } }]
        : [{ ICMPv6: { type: 128, code: 0 } }, { ICMPv6: { type: 129, code: 0 } }];
    const v = family === 'IPv4' ? 'ICMPv4' : 'ICMPv6';
    await expectFlows(`${family} ICMP echo`, [
      ...bothInterfaces(true, false, forwarded(family, true, request, `${v} EchoRequest`)),
      ...bothInterfaces(false, true, forwarded(family, false, reply, `${v} EchoReply`)),
    ]);
  });

  it('loses nothing and counts every record it decodes', () => {
    const stats = session.source.stats();
    expect(session.lost).toBe(0);
    expect(stats.lost).toBe(0);
    expect(stats.malformedBytes).toBe(0);
    expect(stats.errors).toBe(0);
    expect(stats.recordsDecoded).toBeGreaterThan(0);
    expect(stats.lastPollAtMs).toBeGreaterThan(Date.now() - 5_000);
  });
});

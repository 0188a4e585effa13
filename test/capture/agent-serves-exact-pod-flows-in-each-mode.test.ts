import * as grpc from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import type { Flow } from '../../src/proto/flow.js';
import { hubbleProtos } from '../../src/proto/load.js';
import type { PrivilegeWrapper } from '../helpers/agent-cli.js';
import { isolatedAgentFlags, startAgentProcess } from '../helpers/agent-process.js';
import { createPodPair, type PodPair } from '../helpers/netns.js';
import { collect, waitFor } from '../server/tls-fixture.js';
import { ping, tcpExchange, tcpRefused, udpExchange, udpToClosedPort } from './pod-traffic.js';

// The whole agent, as a process, in each mode it can be in: known traffic between two pods,
// then the exact flows a hubble client gets back over GetFlows. Base mode is reached the way
// a locked-down node reaches it: eBPF capabilities really dropped.

interface Response {
  flow?: Flow;
}

async function getFlows(port: number, request: object): Promise<Flow[]> {
  const client = new hubbleProtos.observer.Observer(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  try {
    const stream = collect<Response>(client, 'GetFlows', request);
    await waitFor('GetFlows to end', () => stream.ended !== undefined);
    expect(stream.ended!.code, stream.ended!.details).toBe(grpc.status.OK);
    return stream.received.flatMap((r) => (r.flow ? [r.flow] : []));
  } finally {
    client.close();
  }
}

interface Expected {
  what: string;
  match: (flow: Flow) => boolean;
}

function tcp(pair: PodPair, from: 'A' | 'B', sport: number, dport: number, flag: 'SYN' | 'ACK' | 'FIN' | 'RST', reply: boolean, extra?: (f: Flow) => boolean): Expected {
  const [src, dst] = from === 'A' ? [pair.ipA, pair.ipB] : [pair.ipB, pair.ipA];
  return {
    what: `TCP ${flag}${reply ? ' reply' : ''} ${src}:${sport} -> ${dst}:${dport}`,
    match: (f) =>
      f.verdict === 'FORWARDED' &&
      f.IP?.source === src &&
      f.IP?.destination === dst &&
      f.l4?.TCP?.source_port === sport &&
      f.l4?.TCP?.destination_port === dport &&
      Boolean(f.l4?.TCP?.flags?.[flag]) &&
      (f.is_reply?.value ?? false) === reply &&
      (extra?.(f) ?? true),
  };
}

const CASES: [PrivilegeWrapper, string, 'tracer' | 'base'][] = [
  ['root', 'true', 'tracer'],
  ['root', 'false', 'tracer'],
  ['setprivNoBpf', 'true', 'base'],
  ['setprivNoBpf', 'false', 'base'],
];

describe.each(CASES)('the agent as %s with --tls-parse %s (%s mode)', (wrapper, tlsParse, mode) => {
  it('serves exactly the flows of known pod traffic: TCP open/close, refused TCP, UDP, ICMP v4/v6, UDP to a closed port', async () => {
    const pair = createPodPair();
    try {
      const agent = await startAgentProcess([...isolatedAgentFlags(), '--interfaces', `${pair.hostIfA},${pair.hostIfB}`, '--tls-parse', tlsParse], { wrapper });
      try {
        expect(agent.modeLine.mode).toBe(mode);
        await tcpExchange(pair, pair.ipB, 8080, 40001);
        await tcpRefused(pair, pair.ipB, 8081, 40002);
        await udpExchange(pair, pair.ipB, 5300, 40003);
        await ping(pair, pair.ipB);
        await ping(pair, pair.ip6B);
        await udpToClosedPort(pair, pair.ipB, 9999, 40004);

        const fromA = (f: Flow): boolean => f.trace_observation_point === 'FROM_ENDPOINT' && f.interface?.name === pair.hostIfA && f.traffic_direction === 'EGRESS';
        const expected: Expected[] = [
          tcp(pair, 'A', 40001, 8080, 'SYN', false, fromA),
          tcp(pair, 'B', 8080, 40001, 'SYN', true),
          tcp(pair, 'A', 40001, 8080, 'FIN', false),
          tcp(pair, 'A', 40002, 8081, 'SYN', false),
          tcp(pair, 'B', 8081, 40002, 'RST', true),
          {
            what: 'UDP request and answer',
            match: (f) => f.l4?.UDP?.source_port === 40003 && f.l4.UDP.destination_port === 5300 && f.IP?.source === pair.ipA && f.is_reply?.value !== true,
          },
          { what: 'UDP answer', match: (f) => f.l4?.UDP?.source_port === 5300 && f.l4.UDP.destination_port === 40003 && f.is_reply?.value === true },
          { what: 'ICMPv4 echo request', match: (f) => f.l4?.ICMPv4?.type === 8 && f.IP?.source === pair.ipA && f.IP?.destination === pair.ipB },
          { what: 'ICMPv4 echo reply', match: (f) => (f.l4?.ICMPv4?.type ?? 0) === 0 && Boolean(f.l4?.ICMPv4) && f.IP?.source === pair.ipB && f.is_reply?.value === true },
          { what: 'ICMPv6 echo request', match: (f) => f.l4?.ICMPv6?.type === 128 && f.IP?.source === pair.ip6A && f.IP?.ipVersion === 'IPv6' },
          { what: 'ICMPv6 echo reply', match: (f) => f.l4?.ICMPv6?.type === 129 && f.IP?.source === pair.ip6B && f.is_reply?.value === true },
          { what: 'UDP to the closed port', match: (f) => f.l4?.UDP?.destination_port === 9999 && f.IP?.source === pair.ipA && f.verdict === 'FORWARDED' },
          { what: 'ICMP port unreachable back', match: (f) => f.l4?.ICMPv4?.type === 3 && f.l4.ICMPv4.code === 3 && f.IP?.source === pair.ipB },
        ];
        if (mode === 'tracer') {
          expected.push({
            what: 'the drop of the datagram to the closed port, with its reason',
            match: (f) =>
              f.verdict === 'DROPPED' &&
              f.l4?.UDP?.destination_port === 9999 &&
              f.drop_reason_desc === 'SOCKET_LOOKUP_FAILED' &&
              (f.Summary ?? '').includes('NO_SOCKET') &&
              f.event_type?.type === 1,
          });
        }

        let flows: Flow[] = [];
        const missing = (): string[] => expected.filter((e) => !flows.some(e.match)).map((e) => e.what);
        await waitFor('every expected flow', async () => {
          flows = await getFlows(agent.grpcPort, { number: 2000 });
          return missing().length === 0;
        }).catch(() => {
          throw new Error(`missing flows: ${missing().join('; ')}`);
        });
        for (const flow of flows) {
          expect(flow.node_name).toBeTruthy();
          expect(flow.uuid).toMatch(/^[0-9a-f-]{36}$/);
          expect(flow.event_type?.type).toBe(flow.verdict === 'DROPPED' ? 1 : 4);
        }
        if (mode === 'base') expect(flows.some((f) => f.verdict === 'DROPPED')).toBe(false);

        // Filters over the real flows: only the refused connection's RST reply.
        const refused = await getFlows(agent.grpcPort, {
          number: 100,
          whitelist: [{ source_ip: [pair.ipB], source_port: ['8081'], tcp_flags: [{ RST: true }] }],
        });
        expect(refused.length).toBeGreaterThan(0);
        for (const flow of refused) expect(tcp(pair, 'B', 8081, 40002, 'RST', true).match(flow)).toBe(true);
      } finally {
        expect(await agent.stop()).toBe(0);
      }
    } finally {
      pair.cleanup();
    }
  }, 150_000);
});

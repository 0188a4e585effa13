import { describe, expect, it } from 'vitest';
import { RecordFlows } from '../helpers/record-flows.js';
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN } from '../../src/parser/tcp-flags.js';
import { interfaces, record, reverse } from '../helpers/records.js';

// Pod A (198.18.0.1, behind host veth 7) connects to pod B (198.18.0.2, behind host veth 8).
// Every packet is seen twice: leaving A at TC ingress of 7, reaching B at TC egress of 8.
function parser(): RecordFlows {
  return new RecordFlows({
    nodeName: 'node-a',
    interfaces: interfaces(
      { index: 7, name: 'vetha', role: 'endpoint' },
      { index: 8, name: 'vethb', role: 'endpoint' },
    ),
    dropReasonNames: new Map(),
    netnsInode: 1,
  });
}

const client = record({ sourcePort: 40000, destinationPort: 8080 });

function seen(p: RecordFlows, fromClient: boolean, tcpFlags: number) {
  const packet = fromClient ? record({ ...client, tcpFlags }) : reverse(client, { tcpFlags });
  const out = p.parse({ ...packet, ifindex: fromClient ? 7 : 8, direction: 'ingress' });
  const into = p.parse({ ...packet, ifindex: fromClient ? 8 : 7, direction: 'egress' });
  return [out, into].map((f) => ({
    reply: f?.is_reply?.value,
    direction: f?.traffic_direction,
    point: f?.trace_observation_point,
    summary: f?.Summary,
  }));
}

describe('is_reply across a TCP connection', () => {
  it('SYN is the request; SYN-ACK and every later packet of the responder are replies', () => {
    const p = parser();
    expect(seen(p, true, TCP_SYN)).toStrictEqual([
      { reply: false, direction: 'EGRESS', point: 'FROM_ENDPOINT', summary: 'TCP Flags: SYN' },
      { reply: false, direction: 'INGRESS', point: 'TO_ENDPOINT', summary: 'TCP Flags: SYN' },
    ]);
    expect(seen(p, false, TCP_SYN | TCP_ACK)).toStrictEqual([
      { reply: true, direction: 'INGRESS', point: 'FROM_ENDPOINT', summary: 'TCP Flags: SYN, ACK' },
      { reply: true, direction: 'EGRESS', point: 'TO_ENDPOINT', summary: 'TCP Flags: SYN, ACK' },
    ]);
    expect(seen(p, true, TCP_ACK).map((f) => f.reply)).toStrictEqual([false, false]);
    expect(seen(p, true, TCP_ACK | TCP_PSH).map((f) => f.reply)).toStrictEqual([false, false]);
    expect(seen(p, false, TCP_ACK | TCP_PSH).map((f) => f.reply)).toStrictEqual([true, true]);
    expect(seen(p, true, TCP_FIN | TCP_ACK).map((f) => f.summary)).toStrictEqual([
      'TCP Flags: ACK, FIN',
      'TCP Flags: ACK, FIN',
    ]);
    expect(seen(p, false, TCP_FIN | TCP_ACK).map((f) => f.reply)).toStrictEqual([true, true]);
    expect(seen(p, true, TCP_ACK).map((f) => f.reply)).toStrictEqual([false, false]);
  });

  it('a refused connection: the RST answering a SYN is a reply', () => {
    const p = parser();
    seen(p, true, TCP_SYN);
    expect(seen(p, false, TCP_RST | TCP_ACK)).toStrictEqual([
      { reply: true, direction: 'INGRESS', point: 'FROM_ENDPOINT', summary: 'TCP Flags: ACK, RST' },
      { reply: true, direction: 'EGRESS', point: 'TO_ENDPOINT', summary: 'TCP Flags: ACK, RST' },
    ]);
  });

  it('a connection first seen mid-stream: the higher port is taken for the client', () => {
    const p = parser();
    expect(seen(p, false, TCP_ACK).map((f) => f.reply)).toStrictEqual([true, true]);
    expect(seen(p, true, TCP_ACK).map((f) => f.reply)).toStrictEqual([false, false]);
  });

  it('a later handshake on the same 5-tuple overrides the guess', () => {
    const p = parser();
    const server = reverse(client);
    p.parse({ ...server, tcpFlags: TCP_ACK });
    // The "server" here opens a new connection from its port 8080 to port 40000.
    expect(p.parse({ ...server, tcpFlags: TCP_SYN })?.is_reply?.value).toBe(false);
    expect(p.parse({ ...client, tcpFlags: TCP_SYN | TCP_ACK })?.is_reply?.value).toBe(true);
    expect(p.parse({ ...client, tcpFlags: TCP_ACK })?.is_reply?.value).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { DnsNameCache } from '../../../src/parser/l7/dns-name-cache.js';
import { L7Tracker, type L7Payload } from '../../../src/parser/l7/l7-tracker.js';
import { TYPE, buildDnsMessage, withTcpLengthPrefix } from './dns-message-builder.js';
import { CLIENT, MS, SERVER, fromClient, fromServer } from './payloads.js';

// Anyone who can send a datagram can send a DNS answer. Only an answer to a query the tracker
// saw, on the same connection reversed, with the same transaction id and question, may set the
// names flows show for an address; any other answer is still a flow, and teaches nothing.

const toServer = { protocol: 'UDP' as const, destinationPort: 53 };
const toClient = { protocol: 'UDP' as const, sourcePort: 53 };
const POISON_IP = '10.66.6.6';

function query(id: number, name: string, type: number = TYPE.A): Buffer {
  return buildDnsMessage({ id, questions: [{ name, type }] });
}

function answer(id: number, name: string, ip: string, type: number = TYPE.A): Buffer {
  return buildDnsMessage({ id, response: true, questions: [{ name, type }], answers: [{ name, type: TYPE.A, ttl: 300, ip }] });
}

function setup(): { tracker: L7Tracker; names: DnsNameCache; ask: () => void } {
  const names = new DnsNameCache();
  // 5353 too, so that an answer from that port is read as DNS.
  const tracker = new L7Tracker({ names, dnsPorts: [53, 5353] });
  return { tracker, names, ask: () => tracker.observe(fromClient(0n, query(0x1234, 'bank.example'), toServer)) };
}

const FORGED: [string, (ask: () => void) => L7Payload][] = [
  ['an answer with no query at all', () => fromServer(1n * MS, answer(0x1234, 'bank.example', POISON_IP), toClient)],
  ['an answer with another transaction id', (ask) => (ask(), fromServer(1n * MS, answer(0x4321, 'bank.example', POISON_IP), toClient))],
  ['an answer to another name', (ask) => (ask(), fromServer(1n * MS, answer(0x1234, 'evil.example', POISON_IP), toClient))],
  ['an answer to another question type', (ask) => (ask(), fromServer(1n * MS, answer(0x1234, 'bank.example', POISON_IP, TYPE.AAAA), toClient))],
  ['an answer from another server', (ask) => (ask(), fromServer(1n * MS, answer(0x1234, 'bank.example', POISON_IP), { ...toClient, sourceIp: '10.0.2.8' }))],
  ['an answer from another server port', (ask) => (ask(), fromServer(1n * MS, answer(0x1234, 'bank.example', POISON_IP), { protocol: 'UDP', sourcePort: 5353, destinationPort: CLIENT.port, sourceIp: SERVER.ip }))],
  ['an answer to another client port', (ask) => (ask(), fromServer(1n * MS, answer(0x1234, 'bank.example', POISON_IP), { ...toClient, destinationPort: CLIENT.port + 1 }))],
  ['an answer over TCP to a query over UDP', (ask) => (ask(), fromServer(1n * MS, withTcpLengthPrefix(answer(0x1234, 'bank.example', POISON_IP)), { protocol: 'TCP', sourcePort: 53 }))],
];

describe('DNS answers teach names only for a pending query with the same question', () => {
  for (const [what, forge] of FORGED) {
    it(`${what} is a flow, and names no address`, () => {
      const { tracker, names, ask } = setup();
      const observation = tracker.observe(forge(ask));
      expect(observation?.kind === 'l7' && observation.flow.l7.dns?.ips).toEqual([POISON_IP]);
      expect(names.namesOf(POISON_IP)).toEqual([]);
      expect(names.size).toBe(0);
    });
  }

  it('the answer to the pending query teaches its names, also when the server changed the case of the name', () => {
    const { tracker, names, ask } = setup();
    ask();
    tracker.observe(fromServer(1n * MS, answer(0x1234, 'BaNk.ExAmPlE', '10.0.9.9'), toClient));
    expect(names.namesOf('10.0.9.9')).toEqual(['BaNk.ExAmPlE']);
  });

  it('a second answer to a query already answered teaches nothing', () => {
    const { tracker, names, ask } = setup();
    ask();
    tracker.observe(fromServer(1n * MS, answer(0x1234, 'bank.example', '10.0.9.9'), toClient));
    const forged = tracker.observe(fromServer(2n * MS, answer(0x1234, 'bank.example', POISON_IP), toClient));
    expect(forged?.kind).toBe('l7');
    expect(names.namesOf('10.0.9.9')).toEqual(['bank.example']);
    expect(names.namesOf(POISON_IP)).toEqual([]);
  });
});

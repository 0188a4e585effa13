import { createSocket, type Socket } from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { parseDns } from '../../../src/parser/l7/dns.js';
import { TYPE, buildDnsMessage } from './dns-message-builder.js';

// Real bytes from a real DNS client: Node's resolver (c-ares) asks a UDP server on
// loopback that records the query and answers with a message from the test builder.
// The resolver accepting the answer also proves the builder writes valid DNS.

describe('DNS parser on a real resolver exchange', () => {
  let server: Socket | undefined;

  afterEach(() => {
    server?.close();
    server = undefined;
  });

  it('parses the query c-ares sends and the answer it accepts', async () => {
    const queries: Buffer[] = [];
    const answers: Buffer[] = [];
    const socket = createSocket('udp4');
    server = socket;
    socket.on('message', (query, peer) => {
      queries.push(query);
      const parsed = parseDns(query);
      if (!parsed.ok) return;
      const q = parsed.message.questions[0]!;
      const answer = buildDnsMessage({
        id: parsed.message.id,
        response: true,
        questions: [{ name: q.name, type: q.type }],
        answers: [
          { name: q.name, type: TYPE.CNAME, ttl: 120, cname: `edge.${q.name}` },
          { name: `edge.${q.name}`, type: TYPE.A, ttl: 42, ip: '198.19.12.13' },
        ],
      });
      answers.push(answer);
      socket.send(answer, peer.port, peer.address);
    });
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const { port } = socket.address();

    const resolver = new Resolver({ timeout: 2000, tries: 2 });
    resolver.setServers([`127.0.0.1:${port}`]);
    const resolved = await resolver.resolve4('svc.flowlens.test', { ttl: true });
    expect(resolved).toEqual([{ address: '198.19.12.13', ttl: 42 }]);

    const query = parseDns(queries[0]!);
    if (!query.ok) throw new Error(query.reason);
    expect(query.message.isResponse).toBe(false);
    expect(query.message.questions).toEqual([{ name: 'svc.flowlens.test.', type: TYPE.A, class: 1 }]);

    const answer = parseDns(answers[0]!);
    if (!answer.ok) throw new Error(answer.reason);
    expect(answer.message.id).toBe(query.message.id);
    expect(answer.message.answers.map((a) => a.cname ?? a.ip)).toEqual(['edge.svc.flowlens.test.', '198.19.12.13']);
  });
});

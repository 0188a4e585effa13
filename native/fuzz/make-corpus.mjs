// Writes the seed corpus of the fuzz harnesses (native/fuzz/corpus/<harness>/seed-*): real
// Ethernet frames (IPv4, IPv6, VLAN tags, TCP, UDP, ICMP, DNS, HTTP, TLS, fragments, extension
// headers, and a few broken ones) and, for the payload and aggregation harnesses, sequences in
// their input formats (the comments at the top of each harness). Run: node native/fuzz/make-corpus.mjs
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CORPUS = join(dirname(fileURLToPath(import.meta.url)), 'corpus');

const bytes = (...parts) => Buffer.concat(parts.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(p))));
const u16 = (v) => Buffer.from([(v >> 8) & 0xff, v & 0xff]);
const u32 = (v) => Buffer.from([(v >>> 24) & 0xff, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff]);
const text = (s) => Buffer.from(s, 'latin1');

const MAC_A = [0x02, 0, 0, 0, 0, 0x01];
const MAC_B = [0x02, 0, 0, 0, 0, 0x02];
const V4_A = [198, 18, 0, 1];
const V4_B = [198, 18, 0, 2];
const V6_A = [0xfd, 0, ...Array(13).fill(0), 1];
const V6_B = [0xfd, 0, ...Array(13).fill(0), 2];

const TCP = 6;
const UDP = 17;
const ICMP = 1;
const ICMPV6 = 58;
const SYN = 0x02;
const ACK = 0x10;
const PSH = 0x08;
const FIN = 0x01;
const RST = 0x04;

const ethernet = (type, payload, tags = []) =>
  bytes(MAC_B, MAC_A, ...tags.map(([tpid, vid]) => bytes(u16(tpid), u16(vid))), u16(type), payload);

function checksum(header) {
  let sum = 0;
  for (let i = 0; i < header.length; i += 2) sum += (header[i] << 8) | header[i + 1];
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
  return ~sum & 0xffff;
}

function ipv4(protocol, payload, { options = Buffer.alloc(0), fragment = 0, id = 0x1c46, totalLength } = {}) {
  const ihl = 5 + options.length / 4;
  const header = bytes([0x40 | ihl, 0], u16(totalLength ?? ihl * 4 + payload.length), u16(id), u16(fragment),
    [64, protocol], u16(0), V4_A, V4_B, options);
  header.writeUInt16BE(checksum(header), 10);
  return bytes(header, payload);
}

// extensions: [next-header number, body] pairs, each body already padded to its header's unit.
function ipv6(protocol, payload, extensions = []) {
  let chain = payload;
  let next = protocol;
  for (let i = extensions.length - 1; i >= 0; i--) {
    const [type, header] = extensions[i];
    chain = bytes([next], header, chain);
    next = type;
  }
  return bytes([0x60, 0, 0, 0], u16(chain.length), [next, 64], V6_A, V6_B, chain);
}

const tcp = (sport, dport, flags, payload = Buffer.alloc(0), { seq = 1000, options = Buffer.alloc(0) } = {}) =>
  bytes(u16(sport), u16(dport), u32(seq), u32(flags & ACK ? 2000 : 0), [(5 + options.length / 4) << 4, flags],
    u16(65535), u16(0), u16(0), options, payload);
const udp = (sport, dport, payload) => bytes(u16(sport), u16(dport), u16(8 + payload.length), u16(0x5a5a), payload);
const icmpEcho = (type) => bytes([type, 0], u16(0), u16(0x1234), u16(1), text('abcdefgh'));

const dnsName = (name) => bytes(...name.split('.').map((l) => bytes([l.length], text(l))), [0]);
const dnsQuery = (id, name) => bytes(u16(id), u16(0x0100), u16(1), u16(0), u16(0), u16(0), dnsName(name), u16(1), u16(1));
const dnsAnswer = (id, name) =>
  bytes(u16(id), u16(0x8180), u16(1), u16(1), u16(0), u16(0), dnsName(name), u16(1), u16(1),
    u16(0xc00c), u16(1), u16(1), u32(300), u16(4), V4_B);
const HTTP_GET = text('GET /api/v1/items?id=7 HTTP/1.1\r\nHost: svc.example\r\nUser-Agent: curl/7.88\r\nAccept: */*\r\n\r\n');
const HTTP_RESPONSE = text('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}');
const CLIENT_HELLO = (() => {
  const sni = bytes(u16(0), u16(17), u16(15), [0], u16(12), text('svc.example'), [0]);
  const body = bytes([3, 3], Buffer.alloc(32, 0x42), [0], u16(4), u16(0x1301), u16(0x1302), [1, 0], u16(sni.length), sni);
  const handshake = bytes([1], [0, body.length >> 8, body.length & 0xff], body);
  return bytes([0x16, 3, 1], u16(handshake.length), handshake);
})();
const MSS_SACK_TS = bytes([2, 4, 0x05, 0xb4, 4, 2, 8, 10], u32(1), u32(0), [1, 3, 3, 7]);

const frames = {
  'ipv4-tcp-syn': ethernet(0x0800, ipv4(TCP, tcp(40000, 80, SYN, undefined, { options: MSS_SACK_TS }))),
  'ipv4-tcp-synack': ethernet(0x0800, ipv4(TCP, tcp(80, 40000, SYN | ACK))),
  'ipv4-tcp-http-get': ethernet(0x0800, ipv4(TCP, tcp(40000, 80, PSH | ACK, HTTP_GET))),
  'ipv4-tcp-http-response': ethernet(0x0800, ipv4(TCP, tcp(8080, 40000, PSH | ACK, HTTP_RESPONSE))),
  'ipv4-tcp-tls-client-hello': ethernet(0x0800, ipv4(TCP, tcp(40001, 443, PSH | ACK, CLIENT_HELLO))),
  'ipv4-tcp-fin': ethernet(0x0800, ipv4(TCP, tcp(40000, 80, FIN | ACK))),
  'ipv4-tcp-rst': ethernet(0x0800, ipv4(TCP, tcp(80, 40000, RST))),
  'ipv4-udp-dns-query': ethernet(0x0800, ipv4(UDP, udp(40002, 53, dnsQuery(0xbeef, 'svc.example')))),
  'ipv4-udp-dns-answer': ethernet(0x0800, ipv4(UDP, udp(53, 40002, dnsAnswer(0xbeef, 'svc.example')))),
  'ipv4-icmp-echo-request': ethernet(0x0800, ipv4(ICMP, icmpEcho(8))),
  'ipv4-icmp-echo-reply': ethernet(0x0800, ipv4(ICMP, icmpEcho(0))),
  'ipv4-options-udp': ethernet(0x0800, ipv4(UDP, udp(40003, 53, dnsQuery(1, 'a.example')), { options: Buffer.from([0x94, 4, 0, 0]) })),
  'ipv4-first-fragment-udp': ethernet(0x0800, ipv4(UDP, udp(40004, 53, Buffer.alloc(64, 0x61)), { fragment: 0x2000 })),
  'ipv4-later-fragment': ethernet(0x0800, ipv4(UDP, Buffer.alloc(64, 0x61), { fragment: 0x0009 })),
  // The snap length cut the frame: the IP header says 1500 bytes.
  'ipv4-tcp-cut-by-snap-length': ethernet(0x0800, ipv4(TCP, tcp(40000, 80, PSH | ACK, HTTP_GET), { totalLength: 1500 })),
  // Ethernet padding after a short packet.
  'ipv4-tcp-ack-padded': bytes(ethernet(0x0800, ipv4(TCP, tcp(40000, 80, ACK))), Buffer.alloc(6)),
  'ipv4-gre': ethernet(0x0800, ipv4(47, bytes(u16(0), u16(0x0800)))),
  'vlan-ipv4-udp': ethernet(0x0800, ipv4(UDP, udp(40005, 53, dnsQuery(2, 'b.example'))), [[0x8100, 100]]),
  'qinq-ipv4-tcp': ethernet(0x0800, ipv4(TCP, tcp(40006, 80, SYN)), [[0x88a8, 10], [0x8100, 20]]),
  'qinq-ipv6-udp': ethernet(0x86dd, ipv6(UDP, udp(40007, 53, dnsQuery(3, 'c.example'))), [[0x88a8, 10], [0x8100, 20]]),
  'ipv6-tcp-syn': ethernet(0x86dd, ipv6(TCP, tcp(40010, 443, SYN, undefined, { options: MSS_SACK_TS }))),
  'ipv6-tcp-http-get': ethernet(0x86dd, ipv6(TCP, tcp(40011, 80, PSH | ACK, HTTP_GET))),
  'ipv6-tcp-tls-client-hello': ethernet(0x86dd, ipv6(TCP, tcp(40012, 443, PSH | ACK, CLIENT_HELLO))),
  'ipv6-udp-dns-query': ethernet(0x86dd, ipv6(UDP, udp(40013, 53, dnsQuery(4, 'svc.example')))),
  'ipv6-udp-dns-answer': ethernet(0x86dd, ipv6(UDP, udp(53, 40013, dnsAnswer(4, 'svc.example')))),
  'ipv6-icmpv6-echo-request': ethernet(0x86dd, ipv6(ICMPV6, icmpEcho(128))),
  'ipv6-hop-by-hop-udp': ethernet(0x86dd, ipv6(UDP, udp(40014, 53, dnsQuery(5, 'd.example')), [[0, bytes([0], [5, 2, 0, 0, 1, 0])]])),
  'ipv6-routing-destination-tcp': ethernet(0x86dd, ipv6(TCP, tcp(40015, 80, SYN), [
    [43, bytes([2], [2, 1], Buffer.alloc(4), Buffer.from(V6_B))],
    [60, bytes([0], [1, 4], Buffer.alloc(4))],
  ])),
  'ipv6-first-fragment-udp': ethernet(0x86dd, ipv6(UDP, udp(40016, 53, Buffer.alloc(48, 0x62)), [[44, bytes([0], u16(0x0001), u32(7))]])),
  'ipv6-later-fragment': ethernet(0x86dd, ipv6(UDP, Buffer.alloc(48, 0x62), [[44, bytes([0], u16(0x00b9), u32(7))]])),
  'ipv6-ah-tcp': ethernet(0x86dd, ipv6(TCP, tcp(40017, 80, SYN), [[51, bytes([4], u16(0), u32(0x100), u32(1), Buffer.alloc(12))]])),
  'arp-request': ethernet(0x0806, bytes(u16(1), u16(0x0800), [6, 4], u16(1), MAC_A, V4_A, Buffer.alloc(6), V4_B)),
  'broken-ipv4-ihl-below-5': ethernet(0x0800, bytes([0x43], ipv4(UDP, udp(1, 2, Buffer.alloc(0))).subarray(1))),
  'broken-ipv4-cut-short': ethernet(0x0800, ipv4(UDP, udp(1, 2, Buffer.alloc(0))).subarray(0, 12)),
  'broken-tcp-data-offset-below-5': ethernet(0x0800, ipv4(TCP, bytes(tcp(1, 2, SYN).subarray(0, 12), [0x40, SYN], Buffer.alloc(6)))),
  'broken-ipv6-extension-beyond-payload': ethernet(0x86dd, ipv6(UDP, Buffer.alloc(0), [[0, bytes([0], Buffer.alloc(2))]])),
  'broken-ipv6-extension-cut-by-the-frame': ethernet(0x86dd, ipv6(UDP, udp(1, 2, Buffer.alloc(0)), [[0, bytes([0], Buffer.alloc(6))]])).subarray(0, 14 + 42),
  'broken-ipv4-version-6': ethernet(0x0800, bytes([0x65], ipv4(UDP, udp(1, 2, Buffer.alloc(0))).subarray(1))),
  'broken-ipv6-version-4': ethernet(0x86dd, ipv6(UDP, udp(1, 2, Buffer.alloc(0))).fill(0x40, 0, 1)),
  'broken-ipv6-cut-short': ethernet(0x86dd, ipv6(UDP, udp(1, 2, Buffer.alloc(0)))).subarray(0, 14 + 30),
  'broken-udp-beyond-the-ip-length': ethernet(0x0800, ipv4(UDP, udp(1, 2, Buffer.alloc(0)), { totalLength: 24 })),
  'broken-tcp-beyond-the-ip-length': ethernet(0x0800, ipv4(TCP, tcp(1, 2, SYN), { totalLength: 30 })),
  'broken-icmp-cut-short': ethernet(0x0800, ipv4(ICMP, Buffer.from([8]))),
  'broken-vlan-tag-cut-short': bytes(MAC_B, MAC_A, u16(0x8100), u16(100)),
};

// payload_capture: a 4-byte rate (records/s, 0: the default), then per packet a clock step,
// a 2-byte length and the frame.
const packets = (rate, list) => bytes(u32(rate), ...list.map(([step, frame]) => bytes([step], u16(frame.length), frame)));
const US = (n) => n; // clock step: n microseconds
const MS = (n) => 0x40 | n; // n milliseconds
const payloads = {
  'http-exchange': packets(0, [[US(1), frames['ipv4-tcp-http-get']], [MS(2), frames['ipv4-tcp-http-response']]]),
  'tls-client-hello': packets(0, [[US(1), frames['ipv4-tcp-tls-client-hello']], [US(3), frames['ipv6-tcp-tls-client-hello']]]),
  'dns-exchange': packets(0, [[US(1), frames['ipv4-udp-dns-query']], [MS(1), frames['ipv4-udp-dns-answer']],
    [US(5), frames['ipv6-udp-dns-query']], [MS(1), frames['ipv6-udp-dns-answer']]]),
  'dns-burst-over-the-rate-limit': packets(20, Array.from({ length: 30 }, (_, i) =>
    [US(1 + (i % 3)), ethernet(0x0800, ipv4(UDP, udp(41000 + i, 53, dnsQuery(i, 'svc.example'))))])),
  'short-tcp-payloads': packets(0, [4, 5, 6, 7, 8].map((n) =>
    [US(1), ethernet(0x0800, ipv4(TCP, tcp(40020, 443, PSH | ACK, CLIENT_HELLO.subarray(0, n))))])),
  'http-cut-by-snap-length': packets(0, [[US(1), frames['ipv4-tcp-cut-by-snap-length']], [US(1), frames['vlan-ipv4-udp']]]),
  // Every frame of the parser's corpus, on ports and payloads of all kinds.
  'every-parser-seed': packets(0, Object.values(frames).map((frame) => [US(7), frame])),
  'not-a-message-start': packets(5, [[US(1), ethernet(0x0800, ipv4(TCP, tcp(40021, 80, PSH | ACK, text('continuation of a body'))))],
    [US(1), frames['ipv4-tcp-syn']], [US(1), frames['arp-request']]]),
};

// flow_aggregate: a settings byte (bits 0-2 report interval, bits 3-5 table size), then 4-byte
// operations: connection (bit 7: a sweep; bit 6: the other way; bit 5: the egress hook), TCP
// flags or ICMP type, length, clock step.
const ops = (settings, list) => bytes([settings], ...list.map((op) => Buffer.from(op)));
const S10 = (n) => 0x80 | n; // clock step: n times 10 s
const SWEEP = 0x80;
const CLIENT = 0x00; // flow 0: TCP over IPv4 from port 40000
const SERVER = 0x60; // the same connection the other way, seen by the other hook (as on a veth)
const DNS = 0x12; // UDP over IPv4 from port 53
const PING = 0x03; // ICMP over IPv4
const PING6 = 0x07; // ICMPv6
const aggregates = {
  'tcp-connection': ops(0x03, [
    [CLIENT, SYN, 0, US(1)], [SERVER, SYN | ACK, 0, US(40)], [CLIENT, ACK, 0, US(40)],
    [CLIENT, PSH | ACK, 30, US(5)], [SERVER, PSH | ACK, 180, MS(2)], [CLIENT, ACK, 0, US(40)],
    [CLIENT, FIN | ACK, 0, MS(10)], [SERVER, FIN | ACK, 0, US(40)], [CLIENT, ACK, 0, US(40)],
    [SWEEP, 0, 0, MS(63)], [SWEEP, 0, 0, S10(1)],
  ]),
  'port-reused-after-close': ops(0x02, [
    [CLIENT, SYN, 0, US(1)], [CLIENT, ACK, 4, US(9)], [CLIENT, FIN | ACK, 0, US(9)], [CLIENT, ACK, 0, US(9)],
    [CLIENT, SYN, 0, US(9)], [CLIENT, ACK, 4, US(9)], [CLIENT, RST, 0, US(9)], [CLIENT, SYN, 0, US(9)],
  ]),
  'udp-burst-with-sweeps': ops(0x00, [
    ...Array.from({ length: 20 }, (_, i) => [DNS, 0, 10 + i, US(50)]),
    [SWEEP, 0, 0, MS(50)], [DNS, 0, 10, MS(60)], [SWEEP, 0, 0, MS(63)], [SWEEP, 0, 0, 0xc5],
  ]),
  'many-flows-in-a-small-table': ops(0x00, Array.from({ length: 48 }, (_, i) => [(i * 5) & 0x7f, ACK, i, US(3)])),
  'idle-restart-with-a-long-report-interval': ops(0x07, [
    [DNS, 0, 10, US(1)], [DNS, 0, 10, US(1)], [DNS, 0, 10, S10(13)], [DNS, 0, 10, US(1)], [SWEEP, 0, 0, S10(63)],
  ]),
  'ping-both-families': ops(0x0a, [
    [PING, 8, 5, US(1)], [PING, 0, 5, US(30)], [PING6, 8, 5, MS(1)], [PING6, 0, 5, US(30)],
    [PING, 8, 5, MS(63)], [SWEEP, 0, 0, MS(63)], [SWEEP, 0, 0, S10(1)],
  ]),
  'close-both-ways-then-last-ack': ops(0x03, [
    [CLIENT, SYN, 0, US(1)], [SERVER, SYN | ACK, 0, US(40)], [CLIENT, ACK, 0, US(40)],
    [SERVER, FIN | ACK, 0, US(40)], [CLIENT, ACK, 0, US(40)], [CLIENT, FIN | ACK, 0, US(40)], [SERVER, ACK, 0, US(40)],
    [CLIENT, SYN, 0, MS(1)], [SERVER, RST | ACK, 0, US(40)], [SWEEP, 0, 0, S10(1)],
  ]),
  'clock-steps-back': ops(0x01, [[CLIENT, SYN, 0, S10(1)], [CLIENT, ACK, 0, 0xc8], [SWEEP, 0, 0, 0xff], [CLIENT, ACK, 0, MS(40)]]),
};

for (const [harness, seeds] of Object.entries({ packet_parse: frames, payload_capture: payloads, flow_aggregate: aggregates })) {
  const dir = join(CORPUS, harness);
  mkdirSync(dir, { recursive: true });
  // Inputs that once crashed a harness (crash-*) are kept as they are.
  for (const name of readdirSync(dir)) if (name.startsWith('seed-')) rmSync(join(dir, name));
  for (const [name, input] of Object.entries(seeds)) writeFileSync(join(dir, `seed-${name}`), input);
}

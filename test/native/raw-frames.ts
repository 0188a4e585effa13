import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// Raw Ethernet frames for fl-rawsend (native/tools/rawsend.c), which sends them out of an
// interface inside a pod namespace: exact packets the kernel's own stacks would not send on
// their own schedule. Broadcast MAC, addresses in 198.18.7.0/24 that no namespace owns, so the
// bridge floods them to the other veth and nothing answers.

export const RAWSEND = resolve(dirname(fileURLToPath(import.meta.url)), '../../native/build/fl-rawsend');
export const RAW_SOURCE = '198.18.7.1';
export const RAW_DESTINATION = '198.18.7.2';
/** Bytes of every frame udpFrame builds (Ethernet, IPv4, UDP, 18 bytes of payload). */
export const UDP_FRAME_BYTES = 60;

const hex = (value: number, bytes: number): string => value.toString(16).padStart(bytes * 2, '0');

/** A UDP datagram from RAW_SOURCE:sourcePort to RAW_DESTINATION:destinationPort, as a hex line. */
export function udpFrame(sourcePort: number, destinationPort: number): string {
  const payload = '00'.repeat(18);
  const udp = hex(sourcePort, 2) + hex(destinationPort, 2) + hex(8 + payload.length / 2, 2) + '0000' + payload;
  const ipv4 = '4500' + hex(20 + udp.length / 2, 2) + '0000' + '4000' + '40' + '11' + '0000' + 'c6120701' + 'c6120702';
  return 'ffffffffffff' + '020000000001' + '0800' + ipv4 + udp;
}

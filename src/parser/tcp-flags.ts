// TCP flag bits as the records carry them (byte 13 of the TCP header), turned into the
// Hubble `TCPFlags` object and the CLI's summary text. Both are precomputed for all 256
// combinations: the objects are frozen and shared between flows, never mutate them.

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_URG = 0x20;
export const TCP_ECE = 0x40;
export const TCP_CWR = 0x80;

export interface TcpFlagsObject {
  readonly FIN?: boolean;
  readonly SYN?: boolean;
  readonly RST?: boolean;
  readonly PSH?: boolean;
  readonly ACK?: boolean;
  readonly URG?: boolean;
  readonly ECE?: boolean;
  readonly CWR?: boolean;
}

// Summary order as Hubble prints it ("TCP Flags: SYN, ACK").
const SUMMARY_ORDER: ReadonlyArray<readonly [number, keyof TcpFlagsObject]> = [
  [TCP_SYN, 'SYN'],
  [TCP_ACK, 'ACK'],
  [TCP_RST, 'RST'],
  [TCP_FIN, 'FIN'],
  [TCP_PSH, 'PSH'],
  [TCP_URG, 'URG'],
  [TCP_ECE, 'ECE'],
  [TCP_CWR, 'CWR'],
];

// Field order of the proto message, for objects that print like upstream's.
const FIELD_ORDER: ReadonlyArray<readonly [number, keyof TcpFlagsObject]> = [
  [TCP_FIN, 'FIN'],
  [TCP_SYN, 'SYN'],
  [TCP_RST, 'RST'],
  [TCP_PSH, 'PSH'],
  [TCP_ACK, 'ACK'],
  [TCP_URG, 'URG'],
  [TCP_ECE, 'ECE'],
  [TCP_CWR, 'CWR'],
];

const FLAG_OBJECTS: readonly TcpFlagsObject[] = Array.from({ length: 256 }, (_, bits) => {
  const flags: Record<string, boolean> = {};
  for (const [bit, name] of FIELD_ORDER) if (bits & bit) flags[name] = true;
  return Object.freeze(flags) as TcpFlagsObject;
});

const SUMMARIES: readonly string[] = Array.from(
  { length: 256 },
  (_, bits) => `TCP Flags: ${SUMMARY_ORDER.filter(([bit]) => bits & bit).map(([, name]) => name).join(', ')}`,
);

/** Only the flags that are set, as `true` (proto3 omits false booleans anyway). */
export function tcpFlagsObject(bits: number): TcpFlagsObject {
  return FLAG_OBJECTS[bits & 0xff]!;
}

/** "TCP Flags: SYN, ACK", the text Hubble's L3/L4 parser puts in `Summary`. */
export function tcpFlagsSummary(bits: number): string {
  return SUMMARIES[bits & 0xff]!;
}

// ICMP type and code names as Hubble's icmp metric writes them (gopacket's TypeCode text):
// "EchoRequest", "DestinationUnreachable(Port)", "Redirect(Code: 9)", "42(0)" for an unknown type.

interface TypeNames {
  readonly name: string;
  readonly codes?: readonly (string | undefined)[];
}

const ICMPV4: Readonly<Record<number, TypeNames>> = {
  0: { name: 'EchoReply' },
  3: {
    name: 'DestinationUnreachable',
    codes: ['Net', 'Host', 'Protocol', 'Port', 'FragmentationNeeded', 'SourceRoutingFailed', 'NetUnknown', 'HostUnknown', 'SourceIsolated',
      'NetAdminProhibited', 'HostAdminProhibited', 'NetTOS', 'HostTOS', 'CommAdminProhibited', 'HostPrecedence', 'PrecedenceCutoff'],
  },
  4: { name: 'SourceQuench' },
  5: { name: 'Redirect', codes: ['Net', 'Host', 'TOS+Net', 'TOS+Host'] },
  8: { name: 'EchoRequest' },
  9: { name: 'RouterAdvertisement' },
  10: { name: 'RouterSolicitation' },
  11: { name: 'TimeExceeded', codes: ['TTLExceeded', 'FragmentReassemblyTimeExceeded'] },
  12: { name: 'ParameterProblem', codes: ['PointerIndicatesError', 'MissingOption', 'BadLength'] },
  13: { name: 'TimestampRequest' },
  14: { name: 'TimestampReply' },
  15: { name: 'InfoRequest' },
  16: { name: 'InfoReply' },
  17: { name: 'AddressMaskRequest' },
  18: { name: 'AddressMaskReply' },
};

const ICMPV6: Readonly<Record<number, TypeNames>> = {
  1: {
    name: 'DestinationUnreachable',
    codes: ['NoRouteToDst', 'AdminProhibited', 'BeyondScopeOfSrc', 'AddressUnreachable', 'PortUnreachable', 'SrcAddressFailedPolicy', 'RejectRouteToDst'],
  },
  2: { name: 'PacketTooBig' },
  3: { name: 'TimeExceeded', codes: ['HopLimitExceeded', 'FragmentReassemblyTimeExceeded'] },
  4: { name: 'ParameterProblem', codes: ['ErroneousHeaderField', 'UnrecognizedNextHeader', 'UnrecognizedIPv6Option'] },
  128: { name: 'EchoRequest' },
  129: { name: 'EchoReply' },
  133: { name: 'RouterSolicitation' },
  134: { name: 'RouterAdvertisement' },
  135: { name: 'NeighborSolicitation' },
  136: { name: 'NeighborAdvertisement' },
  137: { name: 'Redirect' },
};

function nameOf(table: Readonly<Record<number, TypeNames>>, type: number, code: number): string {
  const names = table[type];
  if (names === undefined) return `${type}(${code})`;
  if (names.codes === undefined) return code === 0 ? names.name : `${names.name}(Code: ${code})`;
  const codeName = names.codes[code];
  return codeName === undefined ? `${names.name}(Code: ${code})` : `${names.name}(${codeName})`;
}

// Type and code are bytes: 65536 names per family at most, each made once.
const cache = new Map<number, string>();

export function icmpTypeName(family: 'ICMPv4' | 'ICMPv6', type: number, code: number): string {
  const key = (family === 'ICMPv4' ? 0 : 0x10000) | ((type & 0xff) << 8) | (code & 0xff);
  let name = cache.get(key);
  if (name === undefined) {
    name = nameOf(family === 'ICMPv4' ? ICMPV4 : ICMPV6, type & 0xff, code & 0xff);
    cache.set(key, name);
  }
  return name;
}

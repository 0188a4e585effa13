// ICMP type and code names as Hubble's L3/L4 parser prints them in `Summary`
// ("ICMPv4 EchoRequest", "ICMPv4 DestinationUnreachable(Port)", "ICMPv6 EchoReply").
// Types that use no code print the bare name; unknown types print "type(code)".

interface IcmpTypeName {
  name: string;
  codes?: readonly (string | undefined)[];
}

const ICMPV4_TYPES: ReadonlyMap<number, IcmpTypeName> = new Map([
  [0, { name: 'EchoReply' }],
  [
    3,
    {
      name: 'DestinationUnreachable',
      codes: [
        'Net', 'Host', 'Protocol', 'Port', 'FragmentationNeeded', 'SourceRoutingFailed', 'NetUnknown',
        'HostUnknown', 'SourceIsolated', 'NetAdminProhibited', 'HostAdminProhibited', 'NetTOS', 'HostTOS',
        'CommAdminProhibited', 'HostPrecedence', 'PrecedenceCutoff',
      ],
    },
  ],
  [4, { name: 'SourceQuench' }],
  [5, { name: 'Redirect', codes: ['Net', 'Host', 'TOS+Net', 'TOS+Host'] }],
  [8, { name: 'EchoRequest' }],
  [9, { name: 'RouterAdvertisement' }],
  [10, { name: 'RouterSolicitation' }],
  [11, { name: 'TimeExceeded', codes: ['TTLExceeded', 'FragmentReassemblyTimeExceeded'] }],
  [12, { name: 'ParameterProblem', codes: ['PointerIndicatesError', 'MissingOption', 'BadLength'] }],
  [13, { name: 'TimestampRequest' }],
  [14, { name: 'TimestampReply' }],
  [15, { name: 'InfoRequest' }],
  [16, { name: 'InfoReply' }],
  [17, { name: 'AddressMaskRequest' }],
  [18, { name: 'AddressMaskReply' }],
]);

const ICMPV6_TYPES: ReadonlyMap<number, IcmpTypeName> = new Map([
  [
    1,
    {
      name: 'DestinationUnreachable',
      codes: [
        'NoRouteToDst', 'AdminProhibited', 'BeyondScopeOfSrc', 'AddressUnreachable', 'PortUnreachable',
        'SrcAddressFailedPolicy', 'RejectRouteToDst',
      ],
    },
  ],
  [2, { name: 'PacketTooBig' }],
  [3, { name: 'TimeExceeded', codes: ['HopLimitExceeded', 'FragmentReassemblyTimeExceeded'] }],
  [4, { name: 'ParameterProblem', codes: ['ErroneousHeaderField', 'UnrecognizedNextHeader', 'UnrecognizedIPv6Option'] }],
  [128, { name: 'EchoRequest' }],
  [129, { name: 'EchoReply' }],
  [133, { name: 'RouterSolicitation' }],
  [134, { name: 'RouterAdvertisement' }],
  [135, { name: 'NeighborSolicitation' }],
  [136, { name: 'NeighborAdvertisement' }],
  [137, { name: 'Redirect' }],
]);

function typeCodeText(types: ReadonlyMap<number, IcmpTypeName>, type: number, code: number): string {
  const known = types.get(type);
  if (!known) return `${type}(${code})`;
  if (!known.codes) return code === 0 ? known.name : `${known.name}(Code: ${code})`;
  const codeName = known.codes[code];
  return codeName === undefined ? `${known.name}(Code: ${code})` : `${known.name}(${codeName})`;
}

// Every (family, type, code) is at most 2 × 65536 strings; cache them as they are met.
const cache = new Map<number, string>();

export function icmpSummary(family: 4 | 6, type: number, code: number): string {
  const key = (family << 16) | ((type & 0xff) << 8) | (code & 0xff);
  let text = cache.get(key);
  if (text === undefined) {
    text = family === 4 ? `ICMPv4 ${typeCodeText(ICMPV4_TYPES, type, code)}` : `ICMPv6 ${typeCodeText(ICMPV6_TYPES, type, code)}`;
    cache.set(key, text);
  }
  return text;
}

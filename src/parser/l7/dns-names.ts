// The names Hubble prints for DNS record types and response codes (upstream takes them
// from gopacket's `layers.DNSType` and `layers.DNSResponseCode`); filters and metrics
// labels compare against these exact strings.

const DNS_TYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [1, 'A'],
  [2, 'NS'],
  [3, 'MD'],
  [4, 'MF'],
  [5, 'CNAME'],
  [6, 'SOA'],
  [7, 'MB'],
  [8, 'MG'],
  [9, 'MR'],
  [10, 'NULL'],
  [11, 'WKS'],
  [12, 'PTR'],
  [13, 'HINFO'],
  [14, 'MINFO'],
  [15, 'MX'],
  [16, 'TXT'],
  [28, 'AAAA'],
  [33, 'SRV'],
  [35, 'NAPTR'],
  [41, 'OPT'],
  [46, 'RRSIG'],
  [48, 'DNSKEY'],
  [64, 'SVCB'],
  [65, 'HTTPS'],
  [256, 'URI'],
]);

const DNS_RCODE_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'No Error'],
  [1, 'Format Error'],
  [2, 'Server Failure'],
  [3, 'Non-Existent Domain'],
  [4, 'Not Implemented'],
  [5, 'Query Refused'],
  [6, 'Name Exists when it should not'],
  [7, 'RR Set Exists when it should not'],
  [8, 'RR Set that should exist does not'],
  [9, 'Server Not Authoritative for zone'],
  [10, 'Name not contained in zone'],
  [16, 'Bad OPT Version'],
  [17, 'Key not recognized'],
  [18, 'Signature out of time window'],
  [19, 'Bad TKEY Mode'],
  [20, 'Duplicate key name'],
  [21, 'Algorithm not supported'],
  [22, 'Bad Truncation'],
  [23, 'Bad Cookie'],
]);

const UNKNOWN_TYPE = 'Unknown';
const TYPE_NAME_SET: ReadonlySet<string> = new Set([...DNS_TYPE_NAMES.values(), UNKNOWN_TYPE]);

export function dnsTypeName(type: number): string {
  return DNS_TYPE_NAMES.get(type) ?? UNKNOWN_TYPE;
}

/** Whether `name` is one dnsTypeName can return: a closed set, for metric labels. */
export function isDnsTypeName(name: string): boolean {
  return TYPE_NAME_SET.has(name);
}

export function dnsRcodeName(rcode: number): string {
  return DNS_RCODE_NAMES.get(rcode) ?? 'Unknown';
}

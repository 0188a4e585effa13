import { isIP, isIPv4, isIPv6 } from 'node:net';

export interface PeerAddress { ip: string; port?: number; }

const BRACKETED_V6_WITH_PORT = /^\[([^\]]+)\]:(\d{1,5})$/;
const V4_WITH_PORT = /^([^:]+):(\d{1,5})$/;
const MAX_PORT = 65535;

function portOf(text: string): number | undefined {
  const port = Number(text);
  return port >= 1 && port <= MAX_PORT ? port : undefined;
}

/** An IP, `ipv4:port` or `[ipv6]:port`; anything else (host names included) is undefined. */
export function parsePeerAddress(address: string): PeerAddress | undefined {
  if (isIP(address) !== 0) return { ip: address };
  const v6 = BRACKETED_V6_WITH_PORT.exec(address);
  if (v6 !== null && isIPv6(v6[1]!)) {
    const port = portOf(v6[2]!);
    return port === undefined ? undefined : { ip: v6[1]!, port };
  }
  const v4 = V4_WITH_PORT.exec(address);
  if (v4 !== null && isIPv4(v4[1]!)) {
    const port = portOf(v4[2]!);
    return port === undefined ? undefined : { ip: v4[1]!, port };
  }
  return undefined;
}

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { InterfaceRole } from './source.js';

// The host end of a pod's veth pair is an `endpoint`; everything else is `network`.
// sysfs does not say which driver a virtual interface has, netlink does: ask `ip`.

const execFileAsync = promisify(execFile);
const IP_TIMEOUT_MS = 5_000;

interface IpLinkDetails {
  ifname?: string;
  linkinfo?: { info_kind?: string };
}

/** Roles by interface name for the given names; names `ip` does not know are left out. */
export async function interfaceRoles(names: readonly string[]): Promise<Map<string, InterfaceRole>> {
  const roles = new Map<string, InterfaceRole>();
  if (names.length === 0) return roles;
  const { stdout } = await execFileAsync('ip', ['-d', '-j', 'link', 'show'], {
    timeout: IP_TIMEOUT_MS,
    maxBuffer: 64 * 1024 * 1024,
  });
  const wanted = new Set(names);
  for (const link of JSON.parse(stdout) as IpLinkDetails[]) {
    if (link.ifname !== undefined && wanted.has(link.ifname)) {
      roles.set(link.ifname, link.linkinfo?.info_kind === 'veth' ? 'endpoint' : 'network');
    }
  }
  return roles;
}

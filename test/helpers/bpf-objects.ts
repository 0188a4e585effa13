import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

// What capture one process holds, read from its fd table so that other processes' objects
// never count: BPF programs, maps and links (and which ids the kernel still has), AF_PACKET
// sockets; and the agent's classic tc filters on a device.

export interface HeldLink {
  id: number;
  type: string;
  /** The interface of a tcx link. */
  ifindex?: number;
}

export interface HeldBpfObjects {
  programs: number[];
  maps: number[];
  links: HeldLink[];
  /** Every open file descriptor of the process. */
  fds: number;
}

function field(info: string, name: string): string | undefined {
  return new RegExp(`^${name}:\\s+(\\S+)$`, 'm').exec(info)?.[1];
}

export function bpfObjectsHeldBy(pid: number): HeldBpfObjects {
  const held: HeldBpfObjects = { programs: [], maps: [], links: [], fds: 0 };
  for (const fd of readdirSync(`/proc/${pid}/fdinfo`)) {
    let info: string;
    try {
      info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
    } catch {
      continue; // closed while listing
    }
    held.fds++;
    const link = field(info, 'link_id');
    const program = field(info, 'prog_id');
    const map = field(info, 'map_id');
    if (link !== undefined) {
      const ifindex = field(info, 'ifindex');
      held.links.push({ id: Number(link), type: field(info, 'link_type') ?? '', ...(ifindex !== undefined ? { ifindex: Number(ifindex) } : {}) });
    } else if (program !== undefined) held.programs.push(Number(program));
    else if (map !== undefined) held.maps.push(Number(map));
  }
  return held;
}

function ids(kind: 'prog' | 'map' | 'link'): Set<number> {
  const listed = JSON.parse(execFileSync('bpftool', ['-j', kind, 'show'], { encoding: 'utf8', maxBuffer: 64 << 20 })) as { id: number }[];
  return new Set(listed.map((object) => object.id));
}

/** Those of `held` the kernel still has (a killed process's objects go once their last reference does). */
export function stillExisting(held: Pick<HeldBpfObjects, 'programs' | 'maps' | 'links'>): { programs: number[]; maps: number[]; links: number[] } {
  const programs = ids('prog');
  const maps = ids('map');
  const links = ids('link');
  return {
    programs: held.programs.filter((id) => programs.has(id)),
    maps: held.maps.filter((id) => maps.has(id)),
    links: held.links.map((link) => link.id).filter((id) => links.has(id)),
  };
}

/** A map's entries as the kernel holds them now (`bpftool map dump`). */
export function mapEntryCount(id: number): number {
  // One raw `"key":[` (bytes in hex) per entry, whether BTF adds a "formatted" copy or not: counted, not parsed.
  const dump = execFileSync('bpftool', ['-j', 'map', 'dump', 'id', String(id)], { encoding: 'utf8', maxBuffer: 512 << 20 });
  return dump.split('"key":[').length - 1;
}

/** A map's name, size bound and locked memory (`bpftool map show`). */
export function mapInfo(id: number): { name: string; maxEntries: number; memlockBytes: number } {
  const map = JSON.parse(execFileSync('bpftool', ['-j', 'map', 'show', 'id', String(id)], { encoding: 'utf8' })) as { name: string; max_entries: number; bytes_memlock: number };
  return { name: map.name, maxEntries: map.max_entries, memlockBytes: map.bytes_memlock };
}

/** The agent's tc filters (classic clsact, programs named fl_tc_*) on a device, one line each. */
export function agentTcFilters(dev: string): string[] {
  return ['ingress', 'egress']
    .flatMap((hook) => execFileSync('tc', ['filter', 'show', 'dev', dev, hook], { encoding: 'utf8' }).split('\n'))
    .filter((line) => line.includes('fl_tc_'));
}

/** The interfaces the process's AF_PACKET sockets are bound to (base mode's capture), by ifindex. */
export function packetSocketIfindexesOf(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const socket = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (socket) inodes.add(socket[1]!);
    } catch {
      // closed while listing
    }
  }
  // sk RefCnt Type Proto Iface R Rmem User Inode
  return readFileSync(`/proc/${pid}/net/packet`, 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((columns) => columns.length >= 9 && inodes.has(columns[8]!))
    .map((columns) => Number(columns[4]));
}

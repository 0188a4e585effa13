import { parse as parseYaml } from 'yaml';
import { FlowlensError } from '../errors.js';
import { parsePeerAddress } from './peer-address.js';
import type { PeerNode } from './source.js';

const ENTRY_KEYS = new Set(['name', 'address']);

function describe(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}

/**
 * Parses a static peers file, `nodes: [{name: n1, address: 10.0.0.7}, {name: n2, address: "[fd00::7]:4245"}]`.
 * Every node belongs to `cluster`. All problems are collected, then thrown as one FL_PEERS_FILE.
 */
export function parsePeersFile(text: string, cluster: string, fileName: string): PeerNode[] {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (err) {
    throw new FlowlensError('FL_PEERS_FILE', `${fileName}: not valid YAML: ${(err as Error).message}`, { cause: err });
  }
  const list = (document as { nodes?: unknown } | null)?.nodes;
  if (typeof document !== 'object' || document === null || !Array.isArray(list)) {
    throw new FlowlensError('FL_PEERS_FILE', `${fileName}: expected a mapping with a "nodes" list, got ${describe(document)}`);
  }
  const problems: string[] = [];
  const nodes: PeerNode[] = [];
  const seen = new Set<string>();
  list.forEach((entry: unknown, index) => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      problems.push(`nodes[${index}]: expected {name, address}, got ${describe(entry)}`);
      return;
    }
    const { name, address } = entry as { name?: unknown; address?: unknown };
    const label = typeof name === 'string' && name !== '' ? `nodes[${index}] (${name})` : `nodes[${index}]`;
    const before = problems.length;
    for (const key of Object.keys(entry)) {
      if (!ENTRY_KEYS.has(key)) problems.push(`${label}: unknown key "${key}" (expected name, address)`);
    }
    if (typeof name !== 'string' || name === '') {
      problems.push(`${label}: name must be a non-empty string, got ${describe(name)}`);
    } else if (seen.has(name)) {
      problems.push(`${label}: name "${name}" appears more than once`);
    }
    const parsed = typeof address === 'string' ? parsePeerAddress(address) : undefined;
    if (parsed === undefined) {
      problems.push(`${label}: address must be an IP or IP:port (e.g. 10.0.0.7, 10.0.0.7:4244, [fd00::7]:4244), got ${describe(address)}`);
    }
    if (problems.length > before || parsed === undefined) return;
    seen.add(name as string);
    nodes.push({ name: name as string, cluster, ip: parsed.ip, ...(parsed.port === undefined ? {} : { port: parsed.port }) });
  });
  if (problems.length > 0) throw new FlowlensError('FL_PEERS_FILE', `${fileName}: ${problems.join('; ')}`);
  return nodes;
}

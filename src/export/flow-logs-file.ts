import { parse as parseYaml } from 'yaml';
import { bool, integer, ValueProblem, type ValueParser } from '../config/values.js';
import {
  DEFAULT_FILE_MAX_BACKUPS,
  DEFAULT_FILE_MAX_SIZE_MB,
  fieldMaskPaths,
  flowFilterList,
  flowLogPath,
  MAX_FILE_BACKUPS,
  MAX_FILE_SIZE_MB,
  type FlowLogOptions,
} from './flow-log-options.js';

// The dynamic flow-logs file (--hubble-flowlogs-config-path), in Cilium's format:
//
//   flowLogs:
//   - name: drops
//     filePath: /var/run/flowlens/flowlogs/drops.log
//     includeFilters: [{verdict: [DROPPED]}]
//     excludeFilters: []
//     fieldMask: [time, source.namespace, verdict]
//     fileMaxSizeMb: 10       # 0 or absent: 10
//     fileMaxBackups: 5       # 0 or absent: 5
//     fileCompress: false
//     end: "2026-12-31T23:59:59Z"

export class FlowLogsFileProblem extends Error {}

const KEYS = ['name', 'filePath', 'fieldMask', 'includeFilters', 'excludeFilters', 'fileMaxSizeMb', 'fileMaxBackups', 'fileCompress', 'end'];
// Newer Cilium versions aggregate flows; an entry that leaves that off is accepted.
const AGGREGATION_KEYS: Record<string, (value: unknown) => boolean> = {
  fieldAggregate: (v) => v === null || (Array.isArray(v) && v.length === 0),
  aggregationInterval: (v) => v === null || v === 0 || v === '0' || v === '0s',
};

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function field<T>(entry: Record<string, unknown>, key: string, parse: ValueParser<T>, where: string, problems: string[], fallback: T): T {
  const raw = entry[key];
  if (raw === undefined || raw === null) return fallback;
  try {
    return parse(raw);
  } catch (err) {
    if (!(err instanceof ValueProblem)) throw err;
    problems.push(`${where}.${key}: got ${JSON.stringify(raw)}, expected ${err.message}`);
    return fallback;
  }
}

const endTime: ValueParser<Date> = (raw) => {
  const date = raw instanceof Date ? raw : typeof raw === 'string' ? new Date(raw) : new Date(Number.NaN);
  if (typeof raw === 'string' && !/^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})$/.test(raw)) throw new ValueProblem('an RFC 3339 time such as 2026-12-31T23:59:59Z');
  if (Number.isNaN(date.getTime())) throw new ValueProblem('an RFC 3339 time such as 2026-12-31T23:59:59Z');
  return date;
};

const nonEmptyText: ValueParser<string> = (raw) => {
  if (typeof raw !== 'string' || raw.trim() === '') throw new ValueProblem('a non-empty string');
  return raw.trim();
};

/** A count where 0 means Cilium's default. */
function countOrDefault(max: number, fallback: number): ValueParser<number> {
  const parse = integer(0, max);
  return (raw) => parse(raw) || fallback;
}

/** Parses and validates the whole file; every problem is reported at once, each naming the entry and key. */
export function parseFlowLogsFile(text: string, source: string): FlowLogOptions[] {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (err) {
    throw new FlowLogsFileProblem(`${source}: not valid YAML: ${(err as Error).message}`);
  }
  if (document === null || document === undefined) return [];
  if (!isObject(document)) throw new FlowLogsFileProblem(`${source}: expected a mapping with a flowLogs list`);
  const problems: string[] = [];
  for (const key of Object.keys(document)) if (key !== 'flowLogs') problems.push(`unknown key ${key} (expected flowLogs)`);
  const entries = document.flowLogs ?? [];
  if (!Array.isArray(entries)) throw new FlowLogsFileProblem(`${source}: flowLogs: expected a list`);
  const logs: FlowLogOptions[] = [];
  const names = new Set<string>();
  const paths = new Set<string>();
  entries.forEach((entry: unknown, i) => {
    const where = `flowLogs[${i}]`;
    if (!isObject(entry)) {
      problems.push(`${where}: expected a mapping`);
      return;
    }
    for (const key of Object.keys(entry)) {
      const acceptsUnused = AGGREGATION_KEYS[key];
      if (acceptsUnused) {
        if (!acceptsUnused(entry[key])) problems.push(`${where}.${key}: flow aggregation is not supported; leave ${key} empty`);
      } else if (!KEYS.includes(key)) problems.push(`${where}: unknown key ${key} (expected ${KEYS.join(', ')})`);
    }
    const name = field(entry, 'name', nonEmptyText, where, problems, '');
    const filePath = field(entry, 'filePath', (raw) => flowLogPath(nonEmptyText(raw)), where, problems, '');
    if (name === '') problems.push(`${where}.name: required`);
    else if (names.has(name)) problems.push(`${where}.name: ${JSON.stringify(name)} is used twice`);
    if (filePath === '') problems.push(`${where}.filePath: required`);
    else if (paths.has(filePath)) problems.push(`${where}.filePath: ${JSON.stringify(filePath)} is used twice`);
    names.add(name);
    paths.add(filePath);
    const end = field<Date | undefined>(entry, 'end', endTime, where, problems, undefined);
    logs.push({
      name,
      filePath,
      fileMaxSizeMb: field(entry, 'fileMaxSizeMb', countOrDefault(MAX_FILE_SIZE_MB, DEFAULT_FILE_MAX_SIZE_MB), where, problems, DEFAULT_FILE_MAX_SIZE_MB),
      fileMaxBackups: field(entry, 'fileMaxBackups', countOrDefault(MAX_FILE_BACKUPS, DEFAULT_FILE_MAX_BACKUPS), where, problems, DEFAULT_FILE_MAX_BACKUPS),
      fileCompress: field(entry, 'fileCompress', bool, where, problems, false),
      allowList: field(entry, 'includeFilters', flowFilterList, where, problems, []),
      denyList: field(entry, 'excludeFilters', flowFilterList, where, problems, []),
      fieldMask: field(entry, 'fieldMask', fieldMaskPaths, where, problems, []),
      ...(end === undefined ? {} : { end }),
    });
  });
  if (problems.length > 0) throw new FlowLogsFileProblem(`${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  return logs;
}

/** Whether two entries describe the same log (a changed entry is restarted, an unchanged one left alone). */
export function sameFlowLog(a: FlowLogOptions, b: FlowLogOptions): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

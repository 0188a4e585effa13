import { ValueProblem, type ValueParser } from '../config/values.js';
import { isFlowlensError } from '../errors.js';
import { compileFilterLists } from '../filters/flow-filter.js';
import type { FlowFilter } from '../proto/flow.js';
import { compileFieldMask } from '../server/field-mask.js';
import { parseProtoJson, ProtoJsonParseError } from './protojson-parser.js';

// What one flow log is, whether it comes from the --hubble-export-* settings or from an entry
// of the dynamic flow-logs file, and the parsers that turn the settings' text into it.

/** Cilium's defaults (exporter.DefaultFileMaxSizeMB, DefaultFileMaxBackups). */
export const DEFAULT_FILE_MAX_SIZE_MB = 10;
export const DEFAULT_FILE_MAX_BACKUPS = 5;
export const MAX_FILE_SIZE_MB = 100_000;
export const MAX_FILE_BACKUPS = 1000;

/** The name the flow log of the --hubble-export-* settings goes by, in metrics and logs (Cilium's). */
export const STATIC_FLOW_LOG_NAME = 'static-exporter';

export interface FlowLogOptions {
  readonly name: string;
  readonly filePath: string;
  readonly fileMaxSizeMb: number;
  readonly fileMaxBackups: number;
  readonly fileCompress: boolean;
  /** Flows matching any of these (all flows when empty)... */
  readonly allowList: readonly FlowFilter[];
  /** ...and none of these are written. */
  readonly denyList: readonly FlowFilter[];
  /** Flow fields written; empty: all. */
  readonly fieldMask: readonly string[];
  /** Nothing is written from this instant on. */
  readonly end?: Date;
}

/** A flow-log file path; Cilium's `stdout` is refused rather than taken for a file of that name. */
export const flowLogPath: ValueParser<string> = (raw) => {
  const path = raw === null || raw === undefined ? '' : String(raw).trim();
  if (path === 'stdout') throw new ValueProblem('a file path (flow logs to stdout are not supported)');
  return path;
};

/** Splits whitespace-separated JSON objects, as Cilium reads --hubble-export-allowlist. */
function splitJsonObjects(text: string): string[] {
  const objects: string[] = [];
  let i = 0;
  for (;;) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (i === text.length) return objects;
    if (text[i] !== '{') throw new ValueProblem(`JSON-encoded FlowFilters separated by whitespace; found ${JSON.stringify(text[i])} where an object should begin`);
    const start = i;
    let depth = 0;
    let inString = false;
    for (; i < text.length; i++) {
      const c = text[i];
      if (inString) {
        if (c === '\\') i++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === '{') depth++;
      else if (c === '}' && --depth === 0) break;
    }
    if (i === text.length) throw new ValueProblem('JSON-encoded FlowFilters separated by whitespace; an object is not closed');
    objects.push(text.slice(start, ++i));
  }
}

function toFilter(value: unknown): FlowFilter {
  try {
    return parseProtoJson<FlowFilter>('flow.FlowFilter', value);
  } catch (err) {
    if (err instanceof ProtoJsonParseError) throw new ValueProblem(`JSON-encoded FlowFilters (${err.message})`);
    throw err;
  }
}

/** Filters that compile (valid IPs, patterns, ports), so a bad one stops the agent rather than every flow. */
function checked(filters: FlowFilter[]): FlowFilter[] {
  try {
    compileFilterLists(filters, []);
  } catch (err) {
    if (isFlowlensError(err)) throw new ValueProblem(`valid FlowFilters (${err.message})`);
    throw err;
  }
  return filters;
}

/**
 * --hubble-export-allowlist / -denylist: FlowFilters as JSON objects separated by whitespace
 * (`{"verdict":["DROPPED"]} {"source_pod":["kube-system/"]}`); in the YAML file also a list of
 * filters (objects or such strings).
 */
export const flowFilterList: ValueParser<FlowFilter[]> = (raw) => {
  if (raw === null || raw === undefined || raw === '') return [];
  if (Array.isArray(raw)) return checked(raw.flatMap((item) => (typeof item === 'string' ? splitJsonObjects(item).map((o) => toFilter(o)) : [toFilter(item)])));
  if (typeof raw === 'object') return checked([toFilter(raw)]);
  if (typeof raw !== 'string') throw new ValueProblem('JSON-encoded FlowFilters separated by whitespace');
  return checked(splitJsonObjects(raw).map((o) => toFilter(o)));
};

/** --hubble-export-fieldmask: Flow field paths (`source.namespace`), comma-separated or a YAML list. */
export const fieldMaskPaths: ValueParser<string[]> = (raw) => {
  const paths = Array.isArray(raw)
    ? raw.map(String)
    : raw === null || raw === undefined
      ? []
      : String(raw)
          .split(/[,\s]+/)
          .filter((p) => p !== '');
  try {
    compileFieldMask(paths);
  } catch (err) {
    if (isFlowlensError(err)) throw new ValueProblem(`Flow field paths such as source.namespace (${err.message})`);
    throw err;
  }
  return paths;
};

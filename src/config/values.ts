// Parsers from a raw setting value (YAML value, or a string from env/flags) to a typed value.
// Each throws ValueProblem with what was expected; the loader adds the key and the source.

export class ValueProblem extends Error {}

export type ValueParser<T> = (raw: unknown) => T;

function text(raw: unknown, expected: string): string {
  if (typeof raw === 'string') return raw.trim();
  if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
  throw new ValueProblem(expected);
}

export function oneOf<const T extends string>(values: readonly T[]): ValueParser<T> {
  const expected = `one of ${values.join(', ')}`;
  return (raw) => {
    const value = text(raw, expected);
    if (!(values as readonly string[]).includes(value)) throw new ValueProblem(expected);
    return value as T;
  };
}

export const bool: ValueParser<boolean> = (raw) => {
  if (typeof raw === 'boolean') return raw;
  const value = text(raw, 'true or false').toLowerCase();
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new ValueProblem('true or false');
};

export function integer(min: number, max: number): ValueParser<number> {
  const expected = `an integer from ${min} to ${max}`;
  return (raw) => {
    const value = text(raw, expected);
    if (!/^-?\d+$/.test(value)) throw new ValueProblem(expected);
    const n = Number(value);
    if (n < min || n > max) throw new ValueProblem(expected);
    return n;
  };
}

export const nonEmptyString: ValueParser<string> = (raw) => {
  const value = text(raw, 'a non-empty string');
  if (value === '') throw new ValueProblem('a non-empty string');
  return value;
};

/** An optional path or name: empty means unset. */
export const optionalString: ValueParser<string> = (raw) => (raw === null ? '' : text(raw, 'a string'));

function list(raw: unknown, expected: string): string[] {
  if (Array.isArray(raw)) return raw.map((item) => text(item, expected));
  if (raw === null || raw === '') return [];
  return text(raw, expected)
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

export const stringList: ValueParser<string[]> = (raw) => list(raw, 'a list of strings (YAML list or comma-separated)');

export const portList: ValueParser<number[]> = (raw) => {
  const expected = 'a list of ports from 1 to 65535 (YAML list or comma-separated)';
  const port = integer(1, 65535);
  return list(raw, expected).map((item) => {
    try {
      return port(item);
    } catch {
      throw new ValueProblem(expected);
    }
  });
};

export interface HostPort {
  /** '' means every address. */
  host: string;
  port: number;
}

/** `host:port`, `:port`, `[v6]:port`; port 0 lets the kernel choose (tests). */
export const hostPort: ValueParser<HostPort> = (raw) => {
  const expected = 'host:port, :port or [ipv6]:port with a port from 0 to 65535';
  const value = text(raw, expected);
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^[\]:]*)):(\d{1,5})$/.exec(value);
  if (!match) throw new ValueProblem(expected);
  const port = Number(match[3]);
  if (port > 65535) throw new ValueProblem(expected);
  return { host: match[1] ?? match[2] ?? '', port };
};

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

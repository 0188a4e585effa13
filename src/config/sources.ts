import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { FlowlensError } from '../errors.js';
import { CONFIG_FLAG, envName, SETTINGS, type Env, type Setting } from './settings.js';

/** A raw value and where it came from, for error messages. */
export interface RawValue {
  value: unknown;
  origin: string;
}

export type RawValues = Map<Setting, RawValue>;

export interface FlagsResult {
  values: RawValues;
  configFile?: string;
  problems: string[];
}

const BOOLEAN_WORDS = new Set(['true', 'false']);

/** `--flag value`, `--flag=value`, and a boolean flag alone meaning true. */
export function readFlags(argv: readonly string[]): FlagsResult {
  const byFlag = new Map(SETTINGS.map((s) => [s.flag, s]));
  const values: RawValues = new Map();
  const problems: string[] = [];
  let configFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const match = /^--([a-z0-9-]+)(?:=(.*))?$/s.exec(arg);
    if (!match) {
      problems.push(`unexpected argument ${JSON.stringify(arg)}: settings are given as --name value or --name=value`);
      continue;
    }
    const name = match[1]!;
    let value = match[2];
    const setting = byFlag.get(name);
    if (name !== CONFIG_FLAG && !setting) {
      problems.push(`unknown flag --${name}`);
      continue;
    }
    if (value === undefined) {
      const next = argv[i + 1];
      const takesNext = next !== undefined && !next.startsWith('--') && (!setting?.boolean || BOOLEAN_WORDS.has(next));
      if (takesNext) {
        value = next;
        i++;
      } else if (setting?.boolean) {
        value = 'true';
      } else {
        problems.push(`flag --${name} needs a value`);
        continue;
      }
    }
    if (setting) values.set(setting, { value, origin: `--${name}` });
    else configFile = value;
  }
  return { values, configFile, problems };
}

export function readEnv(env: Env): RawValues {
  const values: RawValues = new Map();
  for (const setting of SETTINGS) {
    const name = envName(setting);
    const value = env[name];
    if (value !== undefined) values.set(setting, { value, origin: name });
  }
  return values;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads the YAML file; unknown keys are problems, so a typo never passes silently. */
export function readFile(path: string): { values: RawValues; problems: string[] } {
  let document: unknown;
  try {
    document = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new FlowlensError('FL_CONFIG_FILE', `cannot read config file ${path}: ${(err as Error).message}`, { cause: err });
  }
  const values: RawValues = new Map();
  const problems: string[] = [];
  if (document === null || document === undefined) return { values, problems };
  if (!isObject(document)) {
    throw new FlowlensError('FL_CONFIG_FILE', `config file ${path}: expected a YAML mapping at the top level`);
  }
  const byPath = new Map(SETTINGS.map((s) => [s.path, s]));
  const walk = (node: Record<string, unknown>, prefix: string): void => {
    for (const [key, value] of Object.entries(node)) {
      const keyPath = prefix === '' ? key : `${prefix}.${key}`;
      const setting = byPath.get(keyPath);
      if (setting) values.set(setting, { value, origin: `${keyPath} in ${path}` });
      else if (isObject(value) && SETTINGS.some((s) => s.path.startsWith(`${keyPath}.`))) walk(value, keyPath);
      else problems.push(`unknown key ${keyPath} in config file ${path}`);
    }
  };
  walk(document, '');
  return { values, problems };
}

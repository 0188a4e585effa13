import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { FlowlensError } from '../errors.js';
import { parseFlowLogsFile } from '../export/flow-logs-file.js';
import { hubbleTlsEnabled, type Config } from './config.js';
import { SETTINGS, type Env, type Setting } from './settings.js';
import { readEnv, readFile, readFlags, type RawValues } from './sources.js';
import { ValueProblem, type HostPort } from './values.js';

export interface LoadOptions {
  /** Command-line flags of the agent (no command name). */
  argv: readonly string[];
  env: Env;
}

/**
 * defaults < YAML file (--config / FLOWLENS_CONFIG) < FLOWLENS_* environment < flags,
 * validated in one pass: every problem is reported at once, each naming the setting,
 * the value it got and what was expected.
 */
export function loadConfig(options: LoadOptions): Config {
  const flags = readFlags(options.argv);
  const problems = [...flags.problems];
  const configFile = flags.configFile ?? options.env.FLOWLENS_CONFIG;
  const file = configFile ? readFile(configFile) : { values: new Map(), problems: [] };
  problems.push(...file.problems);
  const layers: RawValues[] = [flags.values, readEnv(options.env), file.values];

  const config: Record<string, unknown> = {};
  for (const setting of SETTINGS) {
    const raw = layers.map((layer) => layer.get(setting)).find((value) => value !== undefined);
    const value = raw ? raw.value : defaultOf(setting, options.env);
    try {
      setPath(config, setting.path, setting.parse(value));
    } catch (err) {
      if (!(err instanceof ValueProblem)) throw err;
      const where = raw ? raw.origin : 'default';
      problems.push(`${setting.path} (${where}): got ${JSON.stringify(value)}, expected ${err.message}`);
    }
  }
  if (problems.length === 0) problems.push(...crossCheck(config as unknown as Config));
  if (problems.length > 0) {
    throw new FlowlensError('FL_CONFIG_INVALID', `invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  const capture = config.capture as Record<string, unknown>;
  capture.excludedPorts = excludedPorts(config as unknown as Config);
  return deepFreeze(config) as unknown as Config;
}

function defaultOf(setting: Setting, env: Env): unknown {
  return typeof setting.default === 'function' ? (setting.default as (env: Env) => unknown)(env) : setting.default;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
  node[keys[keys.length - 1]!] = value;
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

function crossCheck(config: Config): string[] {
  const problems: string[] = [];
  const tls = config.hubble.tls;
  if ((tls.certFile === '') !== (tls.keyFile === '')) {
    problems.push('hubble.tls.certFile and hubble.tls.keyFile: expected both or neither');
  }
  if (hubbleTlsEnabled(config) && tls.clientCaFiles.length === 0) {
    problems.push('hubble.tls.clientCaFiles: expected at least one client CA file when TLS is on (mutual TLS is required)');
  }
  for (const [key, file] of [
    ['hubble.tls.certFile', tls.certFile],
    ['hubble.tls.keyFile', tls.keyFile],
    ...tls.clientCaFiles.map((f) => ['hubble.tls.clientCaFiles', f] as const),
    ['peers.file', config.peers.file],
    ['kubernetes.kubeconfig', config.kubernetes.kubeconfig],
    ['export.flowlogsConfigPath', config.export.flowlogsConfigPath],
  ] as const) {
    if (file !== '' && !existsSync(file)) problems.push(`${key}: got ${JSON.stringify(file)}, expected an existing file`);
  }
  problems.push(...flowLogsFileProblems(config.export.flowlogsConfigPath));
  const listen = config.hubble.listenAddress;
  if (!isLoopbackHost(listen.host) && !hubbleTlsEnabled(config) && !config.hubble.insecure) {
    problems.push(
      `hubble.listenAddress: got ${JSON.stringify(formatHostPort(listen))}, which is not a loopback address, without TLS: ` +
        'expected hubble.tls.certFile, hubble.tls.keyFile and hubble.tls.clientCaFiles, or --hubble-insecure to serve plaintext on purpose',
    );
  }
  if (isIP(config.advertiseAddress) === 0) {
    problems.push(`advertiseAddress: got ${JSON.stringify(config.advertiseAddress)}, expected an IPv4 or IPv6 address`);
  }
  const ports = [
    ['hubble.listenAddress', listen.port],
    ['metrics.address', config.metrics.address.port],
    ['health.address', config.health.address.port],
  ] as const;
  for (let i = 0; i < ports.length; i++) {
    for (let j = i + 1; j < ports.length; j++) {
      if (ports[i]![1] !== 0 && ports[i]![1] === ports[j]![1]) {
        problems.push(`${ports[i]![0]} and ${ports[j]![0]}: both use port ${ports[i]![1]}, expected different ports`);
      }
    }
  }
  return problems;
}

function flowLogsFileProblems(path: string): string[] {
  if (path === '' || !existsSync(path)) return [];
  try {
    parseFlowLogsFile(readFileSync(path, 'utf8'), path);
    return [];
  } catch (err) {
    return [`export.flowlogsConfigPath: ${(err as Error).message}`];
  }
}

/** The user's skip ports extend the agent's own ports; they never replace them. */
function excludedPorts(config: Config): number[] {
  const own = [config.hubble.listenAddress.port, config.metrics.address.port, config.health.address.port].filter((p) => p !== 0);
  return [...new Set([...own, ...config.capture.skipPorts])].sort((a, b) => a - b);
}

export function formatHostPort(address: HostPort): string {
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  return `${host}:${address.port}`;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

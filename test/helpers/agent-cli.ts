import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The compiled CLI (npm test builds it before vitest runs). */
export const CLI_PATH = fileURLToPath(new URL('../../dist/src/cli.js', import.meta.url));

/** Ways of running the CLI with eBPF (or everything) really taken away, as on a locked-down node. */
export const PRIVILEGE_WRAPPERS = {
  root: [],
  setprivNoBpf: ['setpriv', '--inh-caps=-all', '--bounding-set=-bpf,-sys_admin,-perfmon,-net_admin', '--'],
  // capsh hands what follows -- to bash: `-c 'exec "$0" "$@"'` runs the command as given.
  capshNoBpf: ['capsh', '--drop=cap_bpf,cap_sys_admin,cap_perfmon', '--', '-c', 'exec "$0" "$@"'],
  // A user namespace with its own network namespace: eBPF is refused, AF_PACKET works there.
  userNamespace: ['unshare', '-Urn', '--'],
  // A user namespace on the host's network: neither eBPF nor AF_PACKET.
  userNamespaceHostNet: ['unshare', '-Ur', '--'],
  // Neither eBPF nor raw sockets.
  setprivNoCapture: ['setpriv', '--inh-caps=-all', '--bounding-set=-bpf,-sys_admin,-perfmon,-net_admin,-net_raw', '--'],
} as const;

export type PrivilegeWrapper = keyof typeof PRIVILEGE_WRAPPERS;

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], wrapper: PrivilegeWrapper = 'root', timeoutMs = 30_000): CliResult {
  const prefix = PRIVILEGE_WRAPPERS[wrapper];
  const argv = [...prefix, process.execPath, CLI_PATH, ...args];
  const result = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, FLOWLENS_LOG_LEVEL: 'info' } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

// `capture.interfaces`: interface names or glob patterns (`*` any run of characters,
// `?` one character), e.g. `eth0`, `veth*`, `lxc*`. An empty list means every interface
// of the node except loopback, whatever its state: a pod's veth is attached as soon as it
// appears, before it is even up, so its first packets are seen.

const LOOPBACK = 'lo';

export type InterfaceMatcher = (name: string) => boolean;

function globToRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

export function interfaceMatcher(patterns: readonly string[]): InterfaceMatcher {
  if (patterns.length === 0) return (name) => name !== LOOPBACK;
  const exact = new Set(patterns.filter((p) => !/[*?]/.test(p)));
  const globs = patterns.filter((p) => /[*?]/.test(p)).map(globToRegExp);
  return (name) => exact.has(name) || globs.some((glob) => glob.test(name));
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// The Dockerfile as the tests read it: stages with their instructions, continuation lines
// joined, comments dropped. There is no Docker engine here; what can be checked is checked
// on this parse against the built tree.

export interface Instruction {
  op: string;
  args: string;
}

export interface Stage {
  image: string;
  name: string | undefined;
  instructions: Instruction[];
}

export function parseDockerfile(path: string): Stage[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const logical: string[] = [];
  let pending = '';
  for (const line of lines) {
    if (/^\s*#/.test(line)) continue;
    const continued = line.endsWith('\\');
    pending += `${continued ? line.slice(0, -1) : line} `;
    if (!continued) {
      if (pending.trim() !== '') logical.push(pending.trim().replace(/\s+/g, ' '));
      pending = '';
    }
  }
  const stages: Stage[] = [];
  for (const line of logical) {
    const [op, ...rest] = line.split(' ');
    const args = rest.join(' ');
    if (op!.toUpperCase() === 'FROM') {
      const match = /^(\S+)(?: AS (\S+))?$/i.exec(args);
      if (!match) throw new Error(`bad FROM: ${line}`);
      stages.push({ image: match[1]!, name: match[2], instructions: [] });
    } else {
      if (stages.length === 0) throw new Error(`instruction before FROM: ${line}`);
      stages.at(-1)!.instructions.push({ op: op!.toUpperCase(), args });
    }
  }
  return stages;
}

/** COPY --from=<stage> <source> <destination>, sources relative to the source stage's WORKDIR. */
export function copiesFrom(stage: Stage, from: string, sourceWorkdir: string): { source: string; destination: string }[] {
  return stage.instructions
    .filter((i) => i.op === 'COPY' && i.args.startsWith(`--from=${from} `))
    .map((i) => {
      const [, source, destination] = i.args.split(' ');
      if (!source!.startsWith(`${sourceWorkdir}/`)) throw new Error(`COPY source outside ${sourceWorkdir}: ${i.args}`);
      return { source: source!.slice(sourceWorkdir.length + 1), destination: destination! };
    });
}

export function workdirOf(stage: Stage): string {
  const workdir = stage.instructions.filter((i) => i.op === 'WORKDIR').at(-1);
  if (!workdir) throw new Error(`stage ${stage.name ?? stage.image} has no WORKDIR`);
  return workdir.args;
}

/** The exec-form JSON array of ENTRYPOINT or CMD. */
export function execForm(stage: Stage, op: 'ENTRYPOINT' | 'CMD'): string[] {
  const instruction = stage.instructions.filter((i) => i.op === op).at(-1);
  if (!instruction) throw new Error(`no ${op}`);
  return JSON.parse(instruction.args) as string[];
}

/** Paths excluded by .dockerignore (plain paths and `*` globs, matched from the context root). */
export function dockerignoreMatcher(repoRoot: string): (path: string) => boolean {
  const patterns = readFileSync(join(repoRoot, '.dockerignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const regexes = patterns.map((pattern) => {
    if (pattern.startsWith('!')) throw new Error('negated .dockerignore patterns are not supported by this check');
    const body = pattern
      .replace(/\/$/, '')
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('[^/]*');
    return new RegExp(`^${body}(/.*)?$`);
  });
  return (path) => regexes.some((regex) => regex.test(path));
}

import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { copiesFrom, dockerignoreMatcher, execForm, parseDockerfile, workdirOf } from './dockerfile.js';
import { REPO_ROOT } from './manifest.js';

// No Docker engine on these machines: the Dockerfile is parsed, its build context is
// computed from the tracked files and .dockerignore, and its runtime stage is assembled
// from the built tree exactly as its COPY lines say (node_modules pruned to production
// dependencies, as `npm prune --omit=dev` leaves them), then run.

const stages = parseDockerfile(join(REPO_ROOT, 'Dockerfile'));
const [build, runtime] = stages as [NonNullable<(typeof stages)[0]>, NonNullable<(typeof stages)[1]>];
const packageJson = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string; scripts: Record<string, string> };
// What node:20-bookworm-slim already holds for the node binary itself.
const BASE_IMAGE_PACKAGES = new Set(['libc6', 'libgcc-s1', 'libstdc++6']);

const dir = mkdtempSync(join(tmpdir(), 'fl-image-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runsOf(stage: typeof build): string {
  return stage.instructions.filter((i) => i.op === 'RUN').map((i) => i.args).join(' && ');
}

/** Debian packages the runtime stage installs. */
function runtimePackages(): Set<string> {
  const install = /apt-get install ([^&]+)/.exec(runsOf(runtime));
  expect(install, 'the runtime stage installs its libraries with apt-get').not.toBeNull();
  return new Set(install![1]!.split(' ').filter((word) => word !== '' && !word.startsWith('-')));
}

/** The Debian package that owns a file, under any of its merged-/usr names. */
function owningPackage(path: string): string {
  const real = realpathSync(path);
  const names = [path, real, real.replace(/^\/usr\//, '/'), path.replace(/^\/(?!usr\/)/, '/usr/')];
  for (const name of new Set(names)) {
    const result = spawnSync('dpkg', ['-S', name], { encoding: 'utf8' });
    if (result.status === 0) return result.stdout.split(':')[0]!;
  }
  throw new Error(`no Debian package owns ${path}`);
}

/** The Debian packages that provide every shared library a binary loads (transitively). */
function packagesLoadedBy(binary: string): string[] {
  const libraries = [...execFileSync('ldd', [binary], { encoding: 'utf8' }).matchAll(/=> (\/\S+)/g)].map((m) => m[1]!);
  return libraries.map(owningPackage);
}

/** node_modules as `npm prune --omit=dev` leaves it: the lock file's non-dev packages, hard-linked under app/. */
function assembleProductionModules(app: string): void {
  const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === '' || entry.dev || !existsSync(join(REPO_ROOT, path))) continue;
    const destination = join(app, path);
    if (existsSync(destination)) continue;
    mkdirSync(dirname(destination), { recursive: true });
    execFileSync('cp', ['-al', join(REPO_ROOT, path), destination]);
  }
}

function filesUnder(root: string, ext: string): string[] {
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((path) => path.endsWith(ext))
    .map((path) => join(root, path));
}

describe('Dockerfile build stage', () => {
  it('starts from Debian 12 with the Node major the project runs on', () => {
    expect(stages).toHaveLength(2);
    expect(build.image).toBe(`node:${process.versions.node.split('.')[0]}-bookworm`);
    expect(build.name).toBe('build');
    expect(runtime.image).toBe(`node:${process.versions.node.split('.')[0]}-bookworm-slim`);
  });

  it('runs the same set-up script as CI, then prunes dev dependencies', () => {
    expect(packageJson.scripts.test).toContain('bash scripts/setup.sh');
    expect(runsOf(build)).toMatch(/^bash scripts\/setup\.sh && npm prune --omit=dev$/);
    expect(build.instructions.some((i) => i.op === 'COPY' && i.args === '. .')).toBe(true);
  });

  it('gets every tracked file the set-up and build read, and no local build output', () => {
    const ignored = dockerignoreMatcher(REPO_ROOT);
    const tracked = execFileSync('git', ['ls-files'], { cwd: REPO_ROOT, encoding: 'utf8' }).split('\n').filter((f) => f !== '');
    const needed = tracked.filter((f) => /^(src|native|protos|scripts|bench)\//.test(f) || ['package.json', 'package-lock.json', 'tsconfig.json'].includes(f));
    expect(needed).toContain('scripts/setup.sh');
    expect(needed).toContain('native/Makefile');
    expect(needed.filter((f) => ignored(f))).toEqual([]);
    for (const local of ['node_modules/yaml/package.json', 'dist/src/cli.js', 'native/build/libflowlens.so', '.git/HEAD']) {
      expect(ignored(local), local).toBe(true);
    }
  });
});

describe('Dockerfile runtime stage', () => {
  const copies = copiesFrom(runtime, 'build', workdirOf(build));
  const workdir = workdirOf(runtime);

  it('copies only the agent\'s runtime files, each of which exists after the build', () => {
    expect(copies.map((c) => c.source).sort()).toEqual(['dist/src/', 'native/build/libflowlens.so', 'node_modules/', 'package.json', 'protos/'].sort());
    for (const { source } of copies) expect(existsSync(join(REPO_ROOT, source)), source).toBe(true);
    expect(runtime.instructions.filter((i) => i.op === 'COPY' && !i.args.startsWith('--from=build '))).toEqual([]);
  });

  it('installs the Debian packages of every shared library the native parts load', () => {
    const installed = runtimePackages();
    const binaries = [join(REPO_ROOT, 'native/build/libflowlens.so'), ...filesUnder(join(REPO_ROOT, 'node_modules/@yuuang'), '.node')];
    for (const binary of binaries) {
      for (const pkg of packagesLoadedBy(binary)) {
        expect(installed.has(pkg) || BASE_IMAGE_PACKAGES.has(pkg), `${relative(REPO_ROOT, binary)} needs ${pkg}`).toBe(true);
      }
    }
    // Plus the programs the agent runs: `ip` tells pod veths from other interfaces.
    expect([...installed].sort()).toEqual(['iproute2', 'libbpf1', 'libelf1', 'zlib1g']);
  });

  it('runs `node dist/src/cli.js agent` as a non-root user by default', () => {
    expect(execForm(runtime, 'ENTRYPOINT')).toEqual(['node', 'dist/src/cli.js']);
    expect(execForm(runtime, 'CMD')).toEqual(['agent']);
    const user = runtime.instructions.filter((i) => i.op === 'USER').at(-1)?.args ?? '0';
    expect(user).toMatch(/^\d+(:\d+)?$/);
    expect(Number(user.split(':')[0])).toBeGreaterThan(0);
    expect(workdir).toBe('/app');
  });

  it('assembled from the built tree as its COPY lines say, runs: version, probe, and every module loads', () => {
    const app = join(dir, 'app');
    for (const { source, destination } of copies) {
      const target = join(app, destination);
      if (source === 'node_modules/') {
        expect(destination).toBe('node_modules/');
        assembleProductionModules(app);
      } else if (statSync(join(REPO_ROOT, source)).isDirectory()) {
        cpSync(join(REPO_ROOT, source), target, { recursive: true });
      } else {
        mkdirSync(destination.endsWith('/') ? target : dirname(target), { recursive: true });
        cpSync(join(REPO_ROOT, source), destination.endsWith('/') ? join(target, source.split('/').at(-1)!) : target);
      }
    }
    expect(existsSync(join(app, 'node_modules/vitest')), 'dev dependencies are pruned').toBe(false);
    const [command, ...entry] = execForm(runtime, 'ENTRYPOINT');
    expect(command).toBe('node');
    const run = (args: string[]) => spawnSync(process.execPath, [...entry, ...args], { cwd: app, encoding: 'utf8', timeout: 60_000 });

    const version = run(['version']);
    expect(version.stdout.trim(), version.stderr).toBe(`flowlens ${packageJson.version}`);
    const probe = run(['probe', '--json']);
    const report = JSON.parse(probe.stdout) as { mode: string | null };
    expect(report.mode, probe.stderr).toBe('tracer');

    const modules = filesUnder(join(app, 'dist/src'), '.js').filter((file) => !file.endsWith('/cli.js'));
    const script = `for (const m of ${JSON.stringify(modules)}) await import(m);`;
    const imported = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: app, encoding: 'utf8', timeout: 60_000, env: { ...process.env, FLOWLENS_LOG_LEVEL: 'silent' } });
    expect(imported.status, imported.stderr).toBe(0);
  });
});

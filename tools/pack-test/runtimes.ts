/**
 * The other JavaScript runtimes the pack test runs each scenario under (issue 16, "Bun and
 * Deno"): the same TypeScript program that node runs compiled, run as TypeScript by Bun and
 * Deno in the scenario's npm project, against the packages npm installed from the tarballs.
 *
 * Both come from the root devDependencies `bun` and `deno`, pinned. Their npm packages hold
 * only a wrapper and an install script (not run: pnpm-workspace.yaml ignores it); the binary
 * ships inside the platform package each of them depends on optionally
 * (`@oven/bun-linux-x64`, `@deno/linux-x64-glibc`, …), which pnpm installs for this machine
 * from the frozen lockfile. We run that binary directly: no install script, no download.
 */
import { existsSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describeRun, root, run } from './pack.js';

export type RuntimeName = 'bun' | 'deno';

/** A runtime's binary and how to run a scenario's program with it. */
export interface Runtime {
  readonly name: RuntimeName;
  /** As the binary reports it: `1.4.5`, `2.9.6`. */
  readonly version: string;
  readonly binary: string;
  /** The command line that runs `file` (a `.ts` program) in the project folder. */
  readonly args: (file: string) => string[];
  /** Environment for the run: no update check, no telemetry, caches inside `scratch`. */
  readonly env: (scratch: string) => NodeJS.ProcessEnv;
}

const musl = (): boolean => {
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } };
  return process.platform === 'linux' && !report?.header?.glibcVersionRuntime;
};

/** The platform package of each wrapper for this machine, and the binary's path inside it. */
function platformPackage(name: RuntimeName): { pkg: string; file: string } | undefined {
  const { platform, arch } = process;
  const exe = platform === 'win32' ? '.exe' : '';
  if (name === 'bun') {
    const os = platform === 'win32' ? 'windows' : platform;
    const cpu = arch === 'arm64' ? 'aarch64' : arch === 'x64' ? 'x64' : undefined;
    if (!cpu || !['linux', 'darwin', 'windows', 'freebsd'].includes(os)) return undefined;
    return { pkg: `@oven/bun-${os}-${cpu}${musl() ? '-musl' : ''}`, file: `bin/bun${exe}` };
  }
  if (arch !== 'x64' && arch !== 'arm64') return undefined;
  if (platform === 'linux' && !musl()) return { pkg: `@deno/linux-${arch}-glibc`, file: 'deno' };
  if (platform === 'darwin' || platform === 'win32')
    return { pkg: `@deno/${platform}-${arch}`, file: `deno${exe}` };
  return undefined;
}

/**
 * Finds `name`'s binary (in the platform package next to the root devDependency) and asks it
 * its version. Throws, saying what is missing, when this machine has none.
 */
export async function findRuntime(name: RuntimeName): Promise<Runtime> {
  const target = platformPackage(name);
  if (!target) throw new Error(`no ${name} package for ${process.platform}-${process.arch}`);
  const wrapper = join(root, 'node_modules', name, 'package.json');
  if (!existsSync(wrapper)) throw new Error(`${name} is not installed: run pnpm install`);
  // pnpm puts a package's optional dependencies beside it in its virtual store, so they
  // resolve from the wrapper's real location (not from the workspace root).
  let binary: string;
  try {
    const manifest = createRequire(realpathSync(wrapper)).resolve(`${target.pkg}/package.json`);
    binary = join(dirname(manifest), target.file);
  } catch (cause) {
    throw new Error(`${target.pkg} (the ${name} binary for this machine) is not installed`, {
      cause,
    });
  }
  const r = await run(binary, ['--version'], { cwd: root, timeoutMs: 30_000 });
  const version = /(\d+\.\d+\.\d+\S*)/.exec(r.stdout)?.[1];
  if (r.code !== 0 || !version)
    throw new Error(`${binary} --version exited ${r.code}: ${r.stdout}${r.stderr}`);
  if (name === 'bun') {
    return {
      name,
      version,
      binary,
      // Bun runs TypeScript as is and resolves packages from the project's node_modules;
      // `--no-install`: never its auto-install of a missing package.
      args: (file) => ['--no-install', file],
      env: () => ({ DO_NOT_TRACK: '1', BUN_RUNTIME_TRANSPILER_CACHE_PATH: '0' }),
    };
  }
  return {
    name,
    version,
    binary,
    // Deno reads the project's package.json and, with `manual`, takes packages only from the
    // node_modules npm filled (it installs nothing). The stack needs two permissions: `net`
    // for its UDP sockets and `sys` for os.networkInterfaces() (host candidates).
    args: (file) => [
      'run',
      '--node-modules-dir=manual',
      '--no-prompt',
      '--allow-net',
      '--allow-sys',
      file,
    ],
    env: (scratch) => ({
      DENO_DIR: join(scratch, 'deno-dir'),
      DENO_NO_UPDATE_CHECK: '1',
      NO_COLOR: '1',
    }),
  };
}

/** What a scenario printed under a runtime, and how long it took. */
export interface RuntimeResult {
  readonly runtime: string;
  readonly output: string;
  readonly ms: number;
}

/**
 * Runs the scenario's program (`main.ts`, which node ran compiled as `main.js`; or another
 * `file`) with `runtime` in the project folder `dir` that {@link runScenario} made. It must print its result and
 * exit 0 on its own within `timeoutMs`, as under node.
 */
export async function runUnder(
  runtime: Runtime,
  dir: string,
  scratch: string,
  timeoutMs = 60_000,
  file = 'main.ts',
): Promise<RuntimeResult> {
  const r = await run(runtime.binary, runtime.args(file), {
    cwd: dir,
    timeoutMs,
    env: runtime.env(scratch),
  });
  if (r.code !== 0) {
    const what = `${runtime.name} ${runtime.version} ${runtime.args(file).join(' ')}`;
    throw new Error(describeRun(what, r));
  }
  return { runtime: `${runtime.name} ${runtime.version}`, output: r.stdout.trim(), ms: r.ms };
}

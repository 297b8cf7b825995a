/**
 * The pack test's machinery: builds the packages once, packs each with `pnpm pack` (which
 * rewrites `workspace:` ranges as `pnpm publish` does), checks what each tarball holds, and
 * installs tarballs with npm into fresh projects outside the workspace, where a program is
 * type-checked with `tsc` against the published declarations and run as ESM.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = (name: string): string => join(root, 'node_modules', '.bin', name);

/** The result of one command; never rejects, so that callers can report the output. */
export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

export function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; timeoutMs?: number; env?: NodeJS.ProcessEnv },
): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      {
        cwd: options.cwd,
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, ...options.env },
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        const killed = error?.killed ? `\n(killed after ${options.timeoutMs ?? 120_000} ms)` : '';
        resolve({ code, stdout, stderr: stderr + killed, ms: Date.now() - started });
      },
    );
  });
}

export const describeRun = (what: string, r: RunResult): string =>
  `${what} exited ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

/**
 * How to call pnpm: the one running us (`npm_execpath` under `pnpm run`), else `pnpm` on the
 * PATH, else the pinned version through npx (as tools/scripts/run.mjs does).
 */
async function pnpmCommand(): Promise<[string, string[]]> {
  const exec = process.env.npm_execpath;
  if (exec && /pnpm/.test(exec) && existsSync(exec)) {
    return exec.endsWith('.js') || exec.endsWith('.cjs') ? [process.execPath, [exec]] : [exec, []];
  }
  if ((await run('pnpm', ['--version'], { cwd: root })).code === 0) return ['pnpm', []];
  const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
  return ['npx', ['--yes', manifest.packageManager]];
}

/** A package as `pnpm pack` wrote it. */
export interface Packed {
  readonly name: string;
  readonly version: string;
  /** The package's folder in the workspace. */
  readonly folder: string;
  readonly tarball: string;
  /** Paths inside the tarball, relative to its root (`dist/index.js`, `package.json`). */
  readonly files: readonly string[];
  /** The manifest inside the tarball (with `workspace:` ranges rewritten). */
  readonly manifest: PackageManifest;
  /** Contents of the JavaScript and declaration files in the tarball, by path. */
  readonly sources: ReadonlyMap<string, string>;
  /** The `sources` of each JavaScript source map in the tarball, by map path. */
  readonly bundled: ReadonlyMap<string, readonly string[]>;
}

export interface PackageManifest {
  readonly name: string;
  readonly version: string;
  readonly private?: boolean;
  readonly main?: string;
  readonly types?: string;
  readonly exports?: Record<string, string | Record<string, string>>;
  readonly dependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
}

/** The published packages: every non-private package under packages/. */
export async function workspacePackages(): Promise<{ name: string; folder: string }[]> {
  const out: { name: string; folder: string }[] = [];
  for (const dir of (await readdir(join(root, 'packages'))).sort()) {
    const folder = join(root, 'packages', dir);
    if (!existsSync(join(folder, 'package.json'))) continue;
    const manifest = JSON.parse(await readFile(join(folder, 'package.json'), 'utf8'));
    if (!manifest.private) out.push({ name: manifest.name, folder });
  }
  return out;
}

/** One build of every package (turbo: a cache hit when nothing changed). */
export async function buildPackages(): Promise<RunResult> {
  return run(bin('turbo'), ['run', 'build', '--filter=./packages/*', '--output-logs=errors-only'], {
    cwd: root,
    timeoutMs: 200_000,
    env: { TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' },
  });
}

/** Packs every package into `destination`, reads back each tarball's files and manifest. */
export async function packAll(destination: string): Promise<Packed[]> {
  const [pnpm, pnpmArgs] = await pnpmCommand();
  const packages = await workspacePackages();
  return Promise.all(
    packages.map(async ({ name, folder }) => {
      const r = await run(
        pnpm,
        [...pnpmArgs, 'pack', '--json', '--pack-destination', destination],
        {
          cwd: folder,
        },
      );
      if (r.code !== 0) throw new Error(describeRun(`pnpm pack of ${name}`, r));
      const info = JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))) as { filename: string };
      const unpacked = join(destination, 'unpacked', name.replace('/', '+'));
      await mkdir(unpacked, { recursive: true });
      const untar = await run('tar', ['-xzf', info.filename, '-C', unpacked], { cwd: destination });
      if (untar.code !== 0) throw new Error(describeRun(`tar of ${name}`, untar));
      const base = join(unpacked, 'package');
      const files = (await readdir(base, { recursive: true, withFileTypes: true }))
        .filter((e) => e.isFile())
        .map((e) =>
          posix.join(
            ...join(e.parentPath, e.name)
              .slice(base.length + 1)
              .split(/[\\/]/),
          ),
        )
        .sort();
      const sources = new Map<string, string>();
      const bundled = new Map<string, string[]>();
      for (const file of files) {
        if (/\.(m?js|d\.ts|d\.mts)$/.test(file)) {
          sources.set(file, await readFile(join(base, file), 'utf8'));
        } else if (/\.m?js\.map$/.test(file)) {
          const map = JSON.parse(await readFile(join(base, file), 'utf8')) as {
            sources?: string[];
          };
          bundled.set(file, map.sources ?? []);
        }
      }
      const manifest = JSON.parse(
        await readFile(join(base, 'package.json'), 'utf8'),
      ) as PackageManifest;
      return {
        name,
        version: manifest.version,
        folder,
        tarball: info.filename,
        files,
        manifest,
        sources,
        bundled,
      };
    }),
  );
}

/** Files that must not ship: tests, fixtures, test-only helpers, build state, sources. */
const NOT_SHIPPED: readonly [RegExp, string][] = [
  [/\.(test|spec|test-d|bench)\.[cm]?[jt]s(\.map)?$/, 'a test file'],
  [/(^|\/)(fixtures?|__tests__|__fixtures__)\//, 'a test fixture'],
  [/(^|\/)testing-[^/]*$/, 'a test-only helper (testing-*.ts)'],
  [/\.tsbuildinfo$/, 'TypeScript build state'],
  [/^src\//, 'a source file (only dist/ ships)'],
  [/(^|\/)\.[^/]+$/, 'a dotfile'],
];

/** The package name of a bare specifier: `@x/ice/stun` → `@x/ice`, `lodash/fp` → `lodash`. */
const packageOf = (specifier: string): string => {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
};

/** The subpath of a bare specifier, as in `exports`: `@x/transport/testing` → `./testing`. */
const subpathOf = (specifier: string): string => {
  const rest = specifier.slice(packageOf(specifier).length);
  return rest === '' ? '.' : `.${rest}`;
};

/** The files an `exports`/`main`/`types` field points at. */
function entryFiles(manifest: PackageManifest): string[] {
  const out: string[] = [];
  if (manifest.main) out.push(manifest.main);
  if (manifest.types) out.push(manifest.types);
  for (const target of Object.values(manifest.exports ?? {})) {
    if (typeof target === 'string') out.push(target);
    else out.push(...Object.values(target));
  }
  return out.map((p) => posix.normalize(p));
}

/**
 * What is wrong with one tarball: files that should not ship, `workspace:` ranges left,
 * entry points that are missing, and imports that would not resolve once installed (a relative
 * import leaving the package or naming a missing file, a bare import of a package that is not
 * a declared dependency, or of a sibling's subpath that the sibling does not export).
 */
export function checkTarball(packed: Packed, all: readonly Packed[]): string[] {
  const problems: string[] = [];
  const { manifest } = packed;
  const files = new Set(packed.files);
  for (const file of packed.files) {
    for (const [pattern, what] of NOT_SHIPPED) {
      if (pattern.test(file)) problems.push(`ships ${what}: ${file}`);
    }
  }
  const declared = { ...manifest.dependencies, ...manifest.peerDependencies };
  for (const [dep, range] of Object.entries(declared)) {
    if (range.startsWith('workspace:')) problems.push(`dependency ${dep} keeps ${range}`);
    const sibling = all.find((p) => p.name === dep);
    if (sibling && range !== sibling.version && range !== `^${sibling.version}`) {
      problems.push(`dependency ${dep}@${range} does not match its version ${sibling.version}`);
    }
  }
  for (const entry of entryFiles(manifest)) {
    if (!files.has(entry)) problems.push(`package.json points at ${entry}, not in the tarball`);
  }
  // What the bundler put into each file: only this package's own sources. A sibling's module
  // inlined through a relative path (werift's `export * from "../../../common/src"`) would
  // otherwise leave no import behind to catch.
  for (const [map, sources] of packed.bundled) {
    for (const source of sources) {
      const from = posix.normalize(posix.join(posix.dirname(map), source));
      if (from.startsWith('..') || from.includes('node_modules/')) {
        problems.push(`${map}: bundles ${source}, from outside the package's own sources`);
      }
    }
  }
  for (const [file, text] of packed.sources) {
    const info = ts.preProcessFile(text, true, true);
    const specifiers = info.importedFiles.map((f) => f.fileName);
    for (const ref of info.typeReferenceDirectives) {
      if (ref.fileName !== 'node' && !(`@types/${ref.fileName}` in declared)) {
        problems.push(`${file}: /// <reference types="${ref.fileName}" /> is not a dependency`);
      }
    }
    for (const ref of info.referencedFiles) specifiers.push(`./${ref.fileName}`);
    for (const specifier of specifiers) {
      const problem = checkSpecifier(packed, all, files, file, specifier, declared);
      if (problem) problems.push(`${file}: ${problem}`);
    }
  }
  return problems;
}

function checkSpecifier(
  packed: Packed,
  all: readonly Packed[],
  files: ReadonlySet<string>,
  file: string,
  specifier: string,
  declared: Record<string, string>,
): string | undefined {
  if (specifier.startsWith('node:') || isBuiltin(specifier)) return undefined;
  if (specifier.startsWith('.') || specifier.startsWith('/')) {
    if (specifier.startsWith('/')) return `imports an absolute path ${specifier}`;
    const target = posix.normalize(posix.join(posix.dirname(file), specifier));
    if (target.startsWith('..')) return `imports ${specifier}, outside the package`;
    const isDeclaration = /\.d\.m?ts$/.test(file);
    const candidates = isDeclaration
      ? [target.replace(/\.js$/, '.d.ts').replace(/\.mjs$/, '.d.mts'), target]
      : [target];
    if (!candidates.some((c) => files.has(c))) {
      return `imports ${specifier}, but ${candidates[0]} is not in the tarball`;
    }
    return undefined;
  }
  const name = packageOf(specifier);
  if (name === packed.name) {
    return subpathOf(specifier) in (packed.manifest.exports ?? {})
      ? undefined
      : `imports ${specifier}, a subpath its own exports do not list`;
  }
  if (!(name in declared)) return `imports ${specifier}, but ${name} is not a dependency`;
  const sibling = all.find((p) => p.name === name);
  if (sibling?.manifest.exports && !(subpathOf(specifier) in sibling.manifest.exports)) {
    return `imports ${specifier}, which ${name} does not export`;
  }
  return undefined;
}

/** The tarballs to install for `names`: theirs and those of their `@x` dependencies. */
export function closure(names: readonly string[], all: readonly Packed[]): Packed[] {
  const out = new Map<string, Packed>();
  const visit = (name: string): void => {
    if (out.has(name)) return;
    const p = all.find((q) => q.name === name);
    if (!p) return; // a third-party dependency: npm fetches it.
    out.set(name, p);
    for (const dep of Object.keys(p.manifest.dependencies ?? {})) visit(dep);
  };
  for (const n of names) visit(n);
  return [...out.values()];
}

/** One program run against some packages installed alone. */
export interface Scenario {
  /** Also the file name: scenarios/<name>.ts. */
  readonly name: string;
  /** The packages the program is about; their `@x` dependencies are installed too. */
  readonly packages: readonly string[];
}

export interface ScenarioResult {
  readonly name: string;
  /** Packages installed (the closure of `packages`). */
  readonly installed: readonly string[];
  /** What the program printed. */
  readonly output: string;
  readonly timings: { install: number; typecheck: number; run: number };
}

const compilerOptions = {
  strict: true,
  noUncheckedIndexedAccess: true,
  verbatimModuleSyntax: true,
  module: 'nodenext',
  moduleResolution: 'nodenext',
  target: 'es2022',
  lib: ['es2023'],
  // The program uses Node's API, as any user's would: `@types/node` comes from the workspace
  // (a tool of the check, like tsc itself); the packages under test come only from the
  // project's own node_modules, installed from the tarballs.
  types: ['node'],
  typeRoots: [join(root, 'node_modules', '@types')],
  // The published declarations are type-checked too.
  skipLibCheck: false,
  outDir: '.',
  rootDir: '.',
};

/**
 * A fresh npm project `dir` (outside the monorepo) with `tarballs` installed, offline and
 * without install scripts, as a user's `npm install` of the published packages would do.
 */
export async function installProject(
  dir: string,
  name: string,
  tarballs: readonly Packed[],
): Promise<RunResult> {
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: `pack-test-${name}`, private: true, type: 'module' }, null, 2)}\n`,
  );
  const npm = await run(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--offline',
      '--ignore-scripts',
      '--no-package-lock',
      '--loglevel=error',
      ...tarballs.map((p) => p.tarball),
    ],
    { cwd: dir, env: { NPM_CONFIG_UPDATE_NOTIFIER: 'false' } },
  );
  if (npm.code !== 0) throw new Error(describeRun(`npm install in ${dir}`, npm));
  return npm;
}

/**
 * Installs the tarballs of `scenario.packages` (and their `@x` dependencies) with npm into a
 * fresh project under `workspace` (outside the monorepo), type-checks the scenario's program
 * with tsc against the installed declarations, then runs the emitted ESM with node. It must
 * print its result and exit 0 on its own (every socket and timer closed) within `runTimeoutMs`.
 */
export async function runScenario(
  scenario: Scenario,
  all: readonly Packed[],
  workspace: string,
  runTimeoutMs = 60_000,
): Promise<ScenarioResult> {
  const dir = join(workspace, scenario.name);
  const install = closure(scenario.packages, all);
  const npm = await installProject(dir, scenario.name, install);
  await writeFile(
    join(dir, 'tsconfig.json'),
    `${JSON.stringify({ compilerOptions, files: ['main.ts'] }, null, 2)}\n`,
  );
  await copyFile(
    join(root, 'tools', 'pack-test', 'scenarios', `${scenario.name}.ts`),
    join(dir, 'main.ts'),
  );
  const tsc = await run(
    process.execPath,
    [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'],
    {
      cwd: dir,
    },
  );
  if (tsc.code !== 0)
    throw new Error(describeRun(`tsc (strict, nodenext) of ${scenario.name}`, tsc));
  const node = await run(process.execPath, ['main.js'], { cwd: dir, timeoutMs: runTimeoutMs });
  if (node.code !== 0) throw new Error(describeRun(`node main.js (${scenario.name})`, node));
  return {
    name: scenario.name,
    installed: install.map((p) => p.name),
    output: node.stdout.trim(),
    timings: { install: npm.ms, typecheck: tsc.ms, run: node.ms },
  };
}

/** Every entry point of every package, as a specifier: `@x/ice`, `@x/transport/testing`. */
export function entryPoints(all: readonly Packed[]): string[] {
  return all.flatMap((p) =>
    Object.keys(p.manifest.exports ?? { '.': '' })
      .filter((s) => s !== './package.json')
      .map((s) => (s === '.' ? p.name : `${p.name}/${s.slice(2)}`)),
  );
}

/**
 * Writes `exports.mjs` into `dir`: a program that imports every entry point and prints, as
 * JSON, the names each one exports at run time. Any runtime can run it.
 */
export async function writeImportScript(all: readonly Packed[], dir: string): Promise<void> {
  const script = `const out = {};\nfor (const s of ${JSON.stringify(entryPoints(all))}) out[s] = Object.keys(await import(s)).sort();\nconsole.log(JSON.stringify(out));\n`;
  await writeFile(join(dir, 'exports.mjs'), script);
}

/**
 * Every entry point of every package, compared between its declarations and its JavaScript:
 * the value exports `tsc` sees must be the ones `import()` gives, so that no declared class or
 * function is missing at run time and nothing exported at run time is undeclared. Uses a
 * project (from {@link installProject}) where every package is installed.
 */
export async function compareExports(
  all: readonly Packed[],
  dir: string,
): Promise<{ specifier: string; declared: string[]; runtime: string[] }[]> {
  const specifiers = entryPoints(all);
  const file = join(dir, 'exports.ts');
  await writeFile(
    file,
    specifiers.map((s, i) => `import * as entry${i} from '${s}';\nvoid entry${i};\n`).join(''),
  );
  const program = ts.createProgram([file], {
    ...ts.convertCompilerOptionsFromJson(compilerOptions, dir).options,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  if (!source) throw new Error('exports.ts was not loaded');
  const declared = new Map<string, string[]>();
  for (const statement of source.statements) {
    if (!ts.isImportDeclaration(statement)) continue;
    const specifier = (statement.moduleSpecifier as ts.StringLiteral).text;
    const moduleSymbol = checker.getSymbolAtLocation(statement.moduleSpecifier);
    if (!moduleSymbol) throw new Error(`tsc does not resolve ${specifier}`);
    const names = checker
      .getExportsOfModule(moduleSymbol)
      .filter((s) => isValueExport(checker, s))
      .map((s) => s.name)
      .sort();
    declared.set(specifier, names);
  }
  await writeImportScript(all, dir);
  const r = await run(process.execPath, ['exports.mjs'], { cwd: dir });
  if (r.code !== 0) throw new Error(describeRun('import() of every entry point', r));
  const runtime = JSON.parse(r.stdout) as Record<string, string[]>;
  return specifiers.map((specifier) => ({
    specifier,
    declared: declared.get(specifier) ?? [],
    runtime: runtime[specifier] ?? [],
  }));
}

/**
 * Whether an export exists at run time: a value (class, function, const, enum, namespace)
 * reached through re-exports none of which is `export type`.
 */
function isValueExport(checker: ts.TypeChecker, symbol: ts.Symbol): boolean {
  let current: ts.Symbol | undefined = symbol;
  for (let depth = 0; current && current.flags & ts.SymbolFlags.Alias && depth < 20; depth++) {
    if (current.declarations?.some((d) => ts.isTypeOnlyImportOrExportDeclaration(d))) return false;
    current = checker.getImmediateAliasedSymbol(current);
  }
  return current !== undefined && (current.flags & ts.SymbolFlags.Value) !== 0;
}

/** A fresh temporary folder outside the workspace, and its removal. */
export async function temporaryFolder(): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), 'x-pack-test-'));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

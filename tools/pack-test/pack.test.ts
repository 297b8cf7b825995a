/**
 * Every package installs alone from its tarball and works (issue 9, "pack test"): one build,
 * `pnpm pack` of every package, then for each layer a fresh npm project outside the workspace
 * with only that layer's tarball and those of its `@x` dependencies, where a small program is
 * type-checked with tsc (strict, NodeNext, the published .d.ts) and run as ESM. Also fails when
 * a tarball ships tests, fixtures or test-only helpers, keeps a `workspace:` range, imports a
 * sibling's sources or a package it does not declare, or when its declarations and its
 * JavaScript disagree on what it exports. Each program also runs, as TypeScript, under Bun and
 * under Deno in the same project (issue 16: the stack is pure TypeScript, not Node-only).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildPackages,
  checkTarball,
  compareExports,
  installProject,
  packAll,
  type Packed,
  root,
  run,
  runScenario,
  type Scenario,
  type ScenarioResult,
  temporaryFolder,
  workspacePackages,
  writeImportScript,
} from './pack.js';
import { releaseDryRun } from './release-dry.mjs';
import {
  findRuntime,
  type Runtime,
  type RuntimeName,
  type RuntimeResult,
  runUnder,
} from './runtimes.js';

const scenarios: readonly Scenario[] = [
  { name: 'transport', packages: ['@x/transport'] },
  { name: 'ice', packages: ['@x/ice'] },
  { name: 'dtls', packages: ['@x/dtls'] },
  { name: 'sctp', packages: ['@x/sctp'] },
  { name: 'rtp', packages: ['@x/rtp'] },
  { name: 'srtp', packages: ['@x/srtp'] },
  { name: 'network', packages: ['@x/network'] },
  { name: 'webrtc', packages: ['@x/webrtc'] },
];

/** The runtimes each scenario also runs under, after node, in its installed project. */
const runtimeNames: readonly RuntimeName[] = ['bun', 'deno'];

/**
 * At most this many steps at once (CI has 2 cores): a scenario's install, tsc and node run, or
 * one runtime's run of it.
 */
const PARALLEL = 2;

let temp: Awaited<ReturnType<typeof temporaryFolder>> | undefined;
let packed: Packed[] = [];
/** Each scenario's outcome, started in beforeAll and awaited by its own test. */
const outcomes = new Map<string, Promise<ScenarioResult | Error>>();
/** Each scenario's outcome under each runtime, by `<scenario> under <runtime>`. */
const runtimeOutcomes = new Map<string, Promise<RuntimeResult | Error>>();
/** A project with every package installed, for the comparison of exports. */
let allPackages: Promise<string | Error> = Promise.resolve(new Error('not started'));
/** The runtimes' binaries and versions. */
let runtimes = new Map<RuntimeName, Promise<Runtime | Error>>();
const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));

beforeAll(async () => {
  const started = Date.now();
  const build = await buildPackages();
  if (build.code !== 0) throw new Error(`build failed:\n${build.stdout}\n${build.stderr}`);
  temp = await temporaryFolder();
  packed = await packAll(`${temp.path}/tarballs`);
  console.log(
    `pack test: built in ${build.ms} ms, packed ${packed.length} packages at ${Date.now() - started} ms`,
  );
  runtimes = new Map(runtimeNames.map((name) => [name, findRuntime(name).catch(asError)]));
  // Scenarios run in the background, a few steps at a time; each test awaits its own. Every
  // scenario's install and node run come first; a runtime's run of it waits for that project.
  let next = 0;
  const queue: { start: () => void; outcome: Promise<unknown> }[] = [];
  const enqueue = <T>(step: () => Promise<T>): Promise<T | Error> => {
    let start: () => void = () => {};
    const turn = new Promise<void>((resolve) => {
      start = resolve;
    });
    const outcome = turn.then(step).catch(asError);
    queue.push({ start, outcome });
    return outcome;
  };
  for (const s of scenarios)
    outcomes.set(
      s.name,
      enqueue(() => runScenario(s, packed, temp!.path)),
    );
  for (const s of scenarios) {
    for (const name of runtimeNames) {
      const step = async (): Promise<RuntimeResult> => {
        // After node's turn, whatever its outcome: a failed type check or node run does not
        // hide what the runtime does with the installed packages.
        const [, runtime] = await Promise.all([outcomes.get(s.name), runtimes.get(name)]);
        if (runtime instanceof Error) throw runtime;
        const dir = join(temp!.path, s.name);
        if (!existsSync(join(dir, 'main.ts')))
          throw new Error(`not run: the npm install of ${s.name} failed`);
        return runUnder(runtime!, dir, temp!.path);
      };
      runtimeOutcomes.set(`${s.name} under ${name}`, enqueue(step));
    }
  }
  allPackages = enqueue(async () => {
    const dir = `${temp!.path}/all-packages`;
    await installProject(dir, 'all-packages', packed);
    await writeImportScript(packed, dir);
    return dir;
  });
  const advance = (): void => {
    const item = queue[next++];
    if (!item) return;
    item.start();
    void item.outcome.then(advance);
  };
  for (let i = 0; i < PARALLEL; i++) advance();
}, 200_000);

afterAll(async () => {
  // Let running scenarios finish before their folders go away.
  await Promise.all([...outcomes.values(), ...runtimeOutcomes.values(), allPackages]);
  await temp?.remove();
}, 240_000);

describe('pack test', () => {
  it('packs every published package', async () => {
    const names = (await workspacePackages()).map((p) => p.name);
    expect(packed.map((p) => p.name).sort()).toEqual(names.sort());
    expect(names).toEqual(expect.arrayContaining(scenarios.flatMap((s) => s.packages)));
  });

  it('ships no tests, fixtures or test-only sources, and every import resolves from the tarball', () => {
    const problems = packed.flatMap((p) => checkTarball(p, packed).map((m) => `${p.name}: ${m}`));
    expect(problems).toEqual([]);
    for (const p of packed) {
      expect(p.files).toContain('dist/index.js');
      expect(p.files).toContain('dist/index.d.ts');
      expect(Object.values(p.manifest.dependencies ?? {}).join()).not.toContain('workspace:');
    }
  });

  it('every package would publish: changeset version, then pnpm publish --dry-run -r', async () => {
    const { packages, output } = await releaseDryRun({ build: false });
    const published = packages.filter((p) => !p.private);
    expect(published.map((p) => p.name).sort()).toEqual(packed.map((p) => p.name).sort());
    for (const p of published) {
      // Each would publish at its version after `changeset version`; one that changesets
      // bumped has a CHANGELOG entry for the new version.
      expect({ name: p.name, published: p.published }).toEqual({
        name: p.name,
        published: p.after,
      });
      expect(output).toContain(`+ ${p.name}@${p.after}`);
      if (p.after !== p.before) expect(p.changelog, p.name).toContain(`## ${p.after}`);
    }
  }, 120_000);

  for (const scenario of scenarios) {
    it(`${scenario.packages.join(' + ')} installed alone: tsc and node run ${scenario.name}.ts`, async () => {
      const outcome = await outcomes.get(scenario.name);
      if (outcome instanceof Error) throw outcome;
      expect(outcome?.output).toMatch(new RegExp(`^${scenario.name}: ok`, 'm'));
      console.log(
        `${outcome?.output} [${outcome?.installed.join(', ')}; install ${outcome?.timings.install} ms, tsc ${outcome?.timings.typecheck} ms, run ${outcome?.timings.run} ms]`,
      );
    }, 240_000);
  }

  for (const scenario of scenarios) {
    for (const runtime of runtimeNames) {
      it(`${scenario.name} under ${runtime}`, async () => {
        const outcome = await runtimeOutcomes.get(`${scenario.name} under ${runtime}`);
        if (outcome instanceof Error) throw outcome;
        expect(outcome?.output).toMatch(new RegExp(`^${scenario.name}: ok`, 'm'));
        console.log(`${outcome?.output} [${outcome?.runtime}, run ${outcome?.ms} ms]`);
      }, 240_000);
    }
  }

  it('declares exactly the values each entry point exports at run time', async () => {
    const dir = await allPackages;
    if (dir instanceof Error) throw dir;
    const entries = await compareExports(packed, dir);
    expect(entries.length).toBeGreaterThanOrEqual(packed.length);
    for (const entry of entries) {
      expect(entry.runtime.length, entry.specifier).toBeGreaterThan(0);
      expect({ [entry.specifier]: entry.runtime }).toEqual({ [entry.specifier]: entry.declared });
    }
  }, 240_000);

  it('runs the Bun and Deno that package.json pins and the README names', async () => {
    const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
      devDependencies: Record<string, string>;
    };
    const readme = await readFile(join(root, 'README.md'), 'utf8');
    for (const name of runtimeNames) {
      const runtime = await runtimes.get(name);
      if (runtime instanceof Error || !runtime) throw runtime;
      expect({ [name]: runtime.version }).toEqual({ [name]: manifest.devDependencies[name] });
      const title = name === 'bun' ? 'Bun' : 'Deno';
      expect(readme).toContain(`**${title} ${runtime.version}**`);
    }
  });

  for (const name of runtimeNames) {
    it(`every entry point imports under ${name}, with the exports node sees`, async () => {
      const [dir, runtime] = await Promise.all([allPackages, runtimes.get(name)]);
      if (dir instanceof Error) throw dir;
      if (runtime instanceof Error || !runtime) throw runtime;
      const node = await run(process.execPath, ['exports.mjs'], { cwd: dir });
      expect(node.stderr).toBe('');
      const under = await runUnder(runtime, dir, temp!.path, 60_000, 'exports.mjs');
      expect(JSON.parse(under.output)).toEqual(JSON.parse(node.stdout));
    }, 240_000);
  }
});

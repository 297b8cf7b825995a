#!/usr/bin/env node
// The release, rehearsed without touching the tree (`pnpm release:dry`): copies the published
// packages (manifest, README, CHANGELOG, built dist/) and .changeset/ into a temporary
// workspace, runs `changeset version` there (independent versions, CHANGELOG.md per package),
// then `pnpm publish --dry-run -r`, which rewrites `workspace:` ranges and packs each package as
// the real publish would. Fails unless every package would publish at its new version.
//
//   node tools/pack-test/release-dry.mjs [--no-build] [--keep]
//
// --no-build: dist/ is already built (the pack test builds once for both); --keep: leave the
// temporary workspace for inspection. The real .changeset/*.md files are never consumed.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);

function run(command, args, cwd, timeoutMs = 180_000) {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      {
        cwd,
        timeout: timeoutMs,
        maxBuffer: 64 * 1024 * 1024,
        env: {
          ...process.env,
          TURBO_TELEMETRY_DISABLED: '1',
          DO_NOT_TRACK: '1',
          NPM_CONFIG_UPDATE_NOTIFIER: 'false',
          // Nothing here needs the registry (--offline, --force, --dry-run); if npm still asks
          // it something, an unreachable registry costs seconds, not minutes of retries.
          NPM_CONFIG_FETCH_RETRIES: '0',
          NPM_CONFIG_FETCH_TIMEOUT: '10000',
        },
      },
      (error, stdout, stderr) =>
        resolve({
          code: error ? (typeof error.code === 'number' ? error.code : 1) : 0,
          stdout,
          stderr,
        }),
    );
  });
}

function check(what, result) {
  if (result.code !== 0) {
    throw new Error(`${what} exited ${result.code}\n${result.stdout}\n${result.stderr}`);
  }
  return result;
}

/** pnpm as it runs us (`pnpm run`), else from the PATH, else the pinned one through npx. */
async function pnpm() {
  const exec = process.env.npm_execpath;
  if (exec && /pnpm/.test(exec) && existsSync(exec)) {
    return /\.c?js$/.test(exec) ? [process.execPath, [exec]] : [exec, []];
  }
  if ((await run('pnpm', ['--version'], root)).code === 0) return ['pnpm', []];
  const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
  return ['npx', ['--yes', manifest.packageManager]];
}

/**
 * Runs the rehearsal; resolves with each package's version before and after `changeset
 * version` and whether `pnpm publish --dry-run` would publish it. Throws when a step fails.
 *
 * @param {{ build?: boolean, keep?: boolean, log?: (line: string) => void }} [options]
 */
export async function releaseDryRun(options = {}) {
  const log = options.log ?? (() => {});
  if (options.build !== false) {
    check(
      'the build',
      await run(
        bin('turbo'),
        ['run', 'build', '--filter=./packages/*', '--output-logs=errors-only'],
        root,
      ),
    );
  }
  const temp = await mkdtemp(join(tmpdir(), 'x-release-dry-'));
  try {
    // The published packages and what `files` ships from them.
    const packages = [];
    for (const dir of (await readdir(join(root, 'packages'))).sort()) {
      const from = join(root, 'packages', dir);
      if (!existsSync(join(from, 'package.json'))) continue;
      const manifest = JSON.parse(await readFile(join(from, 'package.json'), 'utf8'));
      if (!existsSync(join(from, 'dist'))) throw new Error(`${manifest.name} is not built`);
      const to = join(temp, 'packages', dir);
      await mkdir(to, { recursive: true });
      for (const entry of await readdir(from)) {
        if (/^(package\.json|README.*|CHANGELOG\.md|LICEN[CS]E.*|dist)$/i.test(entry)) {
          await cp(join(from, entry), join(to, entry), { recursive: true });
        }
      }
      packages.push({
        dir,
        name: manifest.name,
        before: manifest.version,
        private: !!manifest.private,
      });
    }
    // The changesets and their configuration. The copy holds no private tool packages, so the
    // `ignore` globs that name them (validated against the workspace) are dropped.
    await cp(join(root, '.changeset'), join(temp, '.changeset'), { recursive: true });
    const config = JSON.parse(await readFile(join(temp, '.changeset', 'config.json'), 'utf8'));
    config.ignore = (config.ignore ?? []).filter((glob) => !glob.startsWith('@x-tools/'));
    await writeFile(join(temp, '.changeset', 'config.json'), JSON.stringify(config, null, 2));
    const rootManifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
    await writeFile(
      join(temp, 'package.json'),
      JSON.stringify({
        name: 'release-dry-run',
        private: true,
        packageManager: rootManifest.packageManager,
      }),
    );
    await writeFile(join(temp, 'pnpm-workspace.yaml'), 'packages:\n  - packages/*\n');

    const pending = (await readdir(join(temp, '.changeset'))).filter((f) => f.endsWith('.md'));
    log(`changeset version (${pending.length} changesets)`);
    check('changeset version', await run(bin('changeset'), ['version'], temp));

    for (const p of packages) {
      const manifest = JSON.parse(
        await readFile(join(temp, 'packages', p.dir, 'package.json'), 'utf8'),
      );
      p.after = manifest.version;
      const changelog = join(temp, 'packages', p.dir, 'CHANGELOG.md');
      p.changelog = existsSync(changelog) ? await readFile(changelog, 'utf8') : '';
    }

    // pnpm resolves `workspace:` ranges from the installed workspace: links only, offline.
    const [pnpmCommand, pnpmArgs] = await pnpm();
    check(
      'pnpm install',
      await run(pnpmCommand, [...pnpmArgs, 'install', '--offline', '--ignore-scripts'], temp),
    );
    // --force: publish every package whatever the registry holds, so the rehearsal does not
    // depend on the registry (nothing is sent: --dry-run).
    const publish = check(
      'pnpm publish --dry-run',
      await run(
        pnpmCommand,
        [
          ...pnpmArgs,
          'publish',
          '--dry-run',
          '-r',
          '--no-git-checks',
          '--force',
          '--report-summary',
        ],
        temp,
      ),
    );
    const summary = JSON.parse(await readFile(join(temp, 'pnpm-publish-summary.json'), 'utf8'));
    const published = new Map(summary.publishedPackages.map((p) => [p.name, p.version]));
    for (const p of packages) p.published = published.get(p.name);
    const output = `${publish.stdout}\n${publish.stderr}`;
    return { packages, output, temp: options.keep ? temp : undefined };
  } finally {
    if (!options.keep) await rm(temp, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const result = await releaseDryRun({
    build: !args.includes('--no-build'),
    keep: args.includes('--keep'),
    log: (line) => console.log(line),
  });
  let failed = false;
  for (const p of result.packages.filter((q) => !q.private)) {
    const ok = p.published === p.after && p.changelog.includes(`## ${p.after}`);
    failed ||= !ok;
    console.log(
      `${ok ? '✓' : '✗'} ${p.name} ${p.before} → ${p.after}: ${p.published ? `would publish ${p.published}` : 'would NOT publish'}${p.changelog.includes(`## ${p.after}`) ? '' : ', no CHANGELOG entry'}`,
    );
  }
  if (result.temp) console.log(`temporary workspace kept: ${result.temp}`);
  if (failed) process.exit(1);
}

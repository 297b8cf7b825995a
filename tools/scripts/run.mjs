#!/usr/bin/env node
// Bootstraps the workspace on a machine that has only Node.js >= 20.19 and npm: fetches the
// pinned pnpm from the npm registry (through npx), installs with the frozen lockfile, then runs
// the given root script. Used by `npm run demo` and `npm test`, the README's two commands.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const pnpm = manifest.packageManager; // e.g. pnpm@10.34.9
const [script, ...rest] = process.argv.slice(2);
if (!script) {
  console.error('usage: node tools/scripts/run.mjs <root script> [args...]');
  process.exit(2);
}

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(
    `Node.js ${process.versions.node} is too old: this project needs Node.js >= 20.19.`,
  );
  process.exit(1);
}

const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' };
const run = (args) => {
  const result = spawnSync('npx', ['--yes', pnpm, ...args], { cwd: root, stdio: 'inherit', env });
  if (result.error) throw result.error;
  return result.status ?? 1;
};

const installed = run(['install', '--frozen-lockfile', '--reporter=silent']);
if (installed !== 0) process.exit(installed);
process.exit(run(['run', '--silent', script, ...rest]));

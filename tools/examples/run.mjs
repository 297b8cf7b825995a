#!/usr/bin/env node
// `npm run example <name>` (from the repository root, on a fresh clone): run.mjs has installed
// with the frozen lockfile and turbo has built the packages; this starts the example's own
// `start` script in its folder, passing on any further arguments.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const examples = readdirSync(here, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(here, d.name, 'package.json')))
  .map((d) => d.name)
  .sort();
const [name, ...rest] = process.argv.slice(2);
if (!name || !examples.includes(name)) {
  console.error(
    `usage: npm run example <name> [args...]; the examples are: ${examples.join(', ')}`,
  );
  process.exit(2);
}
const folder = join(here, name);
const start = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')).scripts?.start;
const [command, ...args] = String(start).split(' ');
const result = spawnSync(command === 'node' ? process.execPath : command, [...args, ...rest], {
  cwd: folder,
  stdio: 'inherit',
});
process.exit(result.status ?? 1);

#!/usr/bin/env node
// The README's test command (after the install done by run.mjs): every check, then every test.
// Each step runs even when an earlier one failed, so that a lint error never hides the tests'
// results; the exit code is non-zero when any step failed.
import { spawnSync } from 'node:child_process';

const steps = [
  ['lint and format (biome)', 'biome', ['check', '.']],
  ['type check of the packages (tsc --build)', 'tsc', ['--build']],
  ['type check of the tests and tools', 'tsc', ['-p', 'tsconfig.tests.json']],
  [
    'build and publint of every package',
    'turbo',
    ['run', 'build', 'lint:package', '--output-logs=errors-only'],
  ],
  // After the build: API Extractor reads the declarations in dist/. Fails when a public
  // surface changed without its report (`pnpm api:update` refreshes them).
  ['API reports of the packages (API Extractor)', 'node', ['tools/api/api.mjs', 'check']],
  ['tests (vitest)', 'vitest', ['run']],
];

const failed = [];
for (const [label, command, args] of steps) {
  console.log(`\n▶ ${label}`);
  const started = Date.now();
  const result = spawnSync(command, args, { stdio: 'inherit', shell: false });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.status !== 0) {
    failed.push(label);
    console.log(`✗ ${label} failed (${seconds} s)`);
  } else {
    console.log(`✓ ${label} (${seconds} s)`);
  }
}
if (failed.length > 0) {
  console.log(`\nfailed steps: ${failed.join('; ')}`);
  process.exit(1);
}
console.log('\nevery check and test passed');

#!/usr/bin/env node
// The README's test command (after the install done by run.mjs): every check, then every test.
// Each step runs even when an earlier one failed, so that a lint error never hides the tests'
// results; the exit code is non-zero when any step failed.
import { spawn, spawnSync } from 'node:child_process';

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
  ['tests (vitest)', 'vitest', ['run'], { watchdog: true }],
];

// vitest 4's fork pool can wedge: once in about six fresh-clone runs, vitest and its one idle
// fork worker waited forever after a file that passes alone (no CPU, no sockets). A test of ours
// cannot be silent that long (every test and hook times out after 20 s, and vitest prints each
// file as it finishes), so a run silent for STALL_MS is stopped, said so, and run once more.
const STALL_MS = Number(process.env.TEST_STALL_MS ?? 5 * 60_000);

/** Runs `command`, forwarding its output; resolves with its exit status, or 'stalled'. */
function runWatched(command, args) {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      stdio: ['inherit', 'pipe', 'pipe'],
      // Piped, vitest would drop its colours on a terminal.
      env: process.stdout.isTTY ? { ...process.env, FORCE_COLOR: '1' } : process.env,
      // Its own process group, so that a stall stops vitest's workers too.
      detached: true,
    });
    let stalled = false;
    let timer;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        stalled = true;
        process.kill(-child.pid, 'SIGKILL');
      }, STALL_MS);
    };
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      arm();
    });
    child.stderr.on('data', (chunk) => {
      process.stderr.write(chunk);
      arm();
    });
    arm();
    // Out of the terminal's process group, vitest would miss a Ctrl-C: pass it on.
    const forward = (signal) => process.kill(-child.pid, signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('close', (status) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      clearTimeout(timer);
      resolve(stalled ? 'stalled' : (status ?? 1));
    });
  });
}

async function runStep(command, args, options) {
  if (!options?.watchdog) return spawnSync(command, args, { stdio: 'inherit' }).status;
  for (let attempt = 1; ; attempt++) {
    const status = await runWatched(command, args);
    if (status !== 'stalled') return status;
    console.log(
      `\n! ${command} printed nothing for ${STALL_MS / 1000} s and was stopped (attempt ${attempt})`,
    );
    if (attempt === 2) return 1;
    console.log(`! running ${command} once more`);
  }
}

const failed = [];
for (const [label, command, args, options] of steps) {
  console.log(`\n▶ ${label}`);
  const started = Date.now();
  const status = await runStep(command, args, options);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (status !== 0) {
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

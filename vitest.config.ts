import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const pkg = (path: string): string => fileURLToPath(new URL(`./packages/${path}`, import.meta.url));

const EXCLUDE = ['**/node_modules/**', '**/dist/**', '**/fixtures/**'];
const MEDIA_PEERS = 'tools/interop/media/**/*.test.ts';

// Tests run against the sources: `@x/<name>` resolves to packages/<name>/src, so no build is
// needed between an edit and a test run.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@x\/([a-z-]+)\/testing$/, replacement: pkg('$1/src/testing/index.ts') },
      { find: /^@x\/([a-z-]+)$/, replacement: pkg('$1/src/index.ts') },
    ],
  },
  test: {
    // Two groups, one after the other: every test file two at a time, then the media tests
    // against real peers one at a time. A browser encoding 720p simulcast and decoding the echo
    // needs the machine's cores; sharing them with other test files, it dropped frames and the
    // freeze counts its own renderer reports measured the load, not the stack.
    projects: [
      {
        extends: true,
        test: {
          name: 'tests',
          include: ['packages/*/src/**/*.test.ts', 'tools/**/*.test.ts'],
          exclude: [...EXCLUDE, MEDIA_PEERS],
        },
      },
      {
        extends: true,
        test: {
          name: 'media with real peers',
          include: [MEDIA_PEERS],
          exclude: EXCLUDE,
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
    ],
    setupFiles: ['./vitest.setup.ts'],
    pool: 'forks',
    testTimeout: 20_000,
    // CI asks for a JSON report too, from which it prints `N passed, N failed`.
    reporters: process.env.VITEST_JSON_REPORT ? ['default', 'json'] : ['default'],
    ...(process.env.VITEST_JSON_REPORT
      ? { outputFile: { json: process.env.VITEST_JSON_REPORT } }
      : {}),
    hookTimeout: 20_000,
  },
});

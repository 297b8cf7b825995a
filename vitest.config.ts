import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const pkg = (path: string): string => fileURLToPath(new URL(`./packages/${path}`, import.meta.url));

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
    include: ['packages/*/src/**/*.test.ts', 'tools/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', '**/fixtures/**'],
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

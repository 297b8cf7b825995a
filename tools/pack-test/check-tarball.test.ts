/**
 * The tarball checks of the pack test catch what they are meant to catch: each defect below
 * is planted in a made-up tarball and must be reported.
 */
import { describe, expect, it } from 'vitest';
import { checkTarball, closure, type Packed, type PackageManifest } from './pack.js';

const transport: Packed = {
  name: '@x/transport',
  version: '1.2.0',
  folder: '/nowhere',
  tarball: '/nowhere/x-transport-1.2.0.tgz',
  files: [
    'dist/index.d.ts',
    'dist/index.js',
    'dist/testing/index.d.ts',
    'dist/testing/index.js',
    'package.json',
  ],
  manifest: {
    name: '@x/transport',
    version: '1.2.0',
    exports: {
      '.': { types: './dist/index.d.ts', import: './dist/index.js' },
      './testing': { types: './dist/testing/index.d.ts', import: './dist/testing/index.js' },
      './package.json': './package.json',
    },
  },
  sources: new Map([
    ['dist/index.js', "import { createSocket } from 'node:dgram';\nexport const a = 1;\n"],
    ['dist/index.d.ts', 'export declare const a = 1;\n'],
  ]),
  bundled: new Map([['dist/index.js.map', ['../src/index.ts']]]),
};

function ice(
  files: Record<string, string>,
  manifest: Partial<PackageManifest> = {},
  bundled: readonly string[] = ['../src/index.ts', '../src/agent.ts'],
): Packed {
  return {
    name: '@x/ice',
    version: '1.0.0',
    folder: '/nowhere',
    tarball: '/nowhere/x-ice-1.0.0.tgz',
    files: ['package.json', ...Object.keys(files)].sort(),
    manifest: {
      name: '@x/ice',
      version: '1.0.0',
      main: './dist/index.js',
      types: './dist/index.d.ts',
      exports: { '.': { types: './dist/index.d.ts', import: './dist/index.js' } },
      dependencies: { '@x/transport': '1.2.0' },
      ...manifest,
    },
    sources: new Map(Object.entries(files)),
    bundled: new Map([['dist/index.js.map', bundled]]),
  };
}

const clean = {
  'dist/index.js': "import { nodeNet } from '@x/transport';\nimport { x } from './agent.js';\n",
  'dist/index.d.ts':
    "/** @example import { Agent } from 'not-a-dependency' */\nexport { Agent } from './agent.js';\n",
  'dist/agent.js': "import { createHash } from 'node:crypto';\nimport os from 'os';\n",
  'dist/agent.d.ts': "import type { Clock } from '@x/transport';\nexport declare class Agent {}\n",
};

describe('checkTarball', () => {
  it('accepts a clean tarball (comments are not imports, builtins need no dependency)', () => {
    expect(checkTarball(ice(clean), [transport])).toEqual([]);
  });

  it('reports test files, fixtures, test-only helpers, build state and sources', () => {
    const problems = checkTarball(
      ice({
        ...clean,
        'dist/agent.test.js': '',
        'dist/fixtures/binding.bin': '',
        'dist/testing-pair.d.ts': '',
        'dist/tsconfig.tsbuildinfo': '',
        'src/agent.ts': '',
      }),
      [transport],
    );
    expect(problems).toEqual([
      'ships a test file: dist/agent.test.js',
      'ships a test fixture: dist/fixtures/binding.bin',
      'ships a test-only helper (testing-*.ts): dist/testing-pair.d.ts',
      'ships TypeScript build state: dist/tsconfig.tsbuildinfo',
      'ships a source file (only dist/ ships): src/agent.ts',
    ]);
  });

  it("reports an import of a sibling's sources, a missing file, an undeclared package", () => {
    const problems = checkTarball(
      ice({
        ...clean,
        'dist/agent.js': "export * from '../../transport/src/clock.js';\n",
        'dist/agent.d.ts':
          "import type { X } from './missing.js';\nexport { Y } from 'left-pad';\n",
        'dist/index.js': "const m = await import('@x/transport/src/net.js');\n",
      }),
      [transport],
    );
    expect(problems).toEqual([
      'dist/index.js: imports @x/transport/src/net.js, which @x/transport does not export',
      'dist/agent.js: imports ../../transport/src/clock.js, outside the package',
      'dist/agent.d.ts: imports ./missing.js, but dist/missing.d.ts is not in the tarball',
      'dist/agent.d.ts: imports left-pad, but left-pad is not a dependency',
    ]);
  });

  it("reports a sibling's module or a dependency bundled into the JavaScript", () => {
    expect(
      checkTarball(
        ice(clean, {}, [
          '../src/index.ts',
          '../../transport/src/clock.ts',
          '../node_modules/@x/transport/dist/index.js',
        ]),
        [transport],
      ),
    ).toEqual([
      "dist/index.js.map: bundles ../../transport/src/clock.ts, from outside the package's own sources",
      "dist/index.js.map: bundles ../node_modules/@x/transport/dist/index.js, from outside the package's own sources",
    ]);
  });

  it('reports workspace ranges, wrong sibling versions and missing entry points', () => {
    expect(
      checkTarball(ice(clean, { dependencies: { '@x/transport': 'workspace:*' } }), [transport]),
    ).toEqual([
      'dependency @x/transport keeps workspace:*',
      'dependency @x/transport@workspace:* does not match its version 1.2.0',
    ]);
    const { 'dist/index.js': _, ...withoutBundle } = clean;
    expect(checkTarball(ice(withoutBundle), [transport])).toEqual([
      'package.json points at dist/index.js, not in the tarball',
      'package.json points at dist/index.js, not in the tarball',
    ]);
  });

  it('installs a package with its @x dependencies', () => {
    expect(closure(['@x/ice'], [transport, ice(clean)]).map((p) => p.name)).toEqual([
      '@x/ice',
      '@x/transport',
    ]);
  });
});

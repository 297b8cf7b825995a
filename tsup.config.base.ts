import type { Options } from 'tsup';

/**
 * The build of every package: ESM for Node 20 with source maps. JavaScript only: declarations
 * come from `tsc --build` (composite project references), which writes them beside the bundle
 * in dist/.
 */
export function packageBuild(entry: string[]): Options {
  return {
    entry,
    format: ['esm'],
    target: 'node20',
    sourcemap: true,
    clean: true,
    dts: false,
    splitting: false,
  };
}

import { defineConfig } from 'tsup';

// JavaScript only: declarations come from `tsc --build` (composite project references),
// which writes them beside the bundle in dist/.
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  target: 'node20',
  sourcemap: true,
  clean: true,
  dts: false,
  splitting: false,
});

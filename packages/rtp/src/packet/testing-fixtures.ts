import { readFileSync } from 'node:fs';

/**
 * Reads a golden packet stored as hex text: `#` starts a comment, whitespace is ignored.
 * `dir` is the fixtures folder's URL.
 */
export function readHexFixture(dir: URL, name: string): Buffer {
  const text = readFileSync(new URL(name, dir), 'utf8')
    .split('\n')
    .map((line) => line.replace(/#.*/, ''))
    .join('')
    .replace(/\s+/g, '');
  return Buffer.from(text, 'hex');
}

/** Mulberry32: a small deterministic PRNG for fuzz tests, uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

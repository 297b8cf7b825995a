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

export { seededRandom } from '../testing-random.js';

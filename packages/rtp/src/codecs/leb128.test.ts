import { describe, expect, it } from 'vitest';
import { LEB128_MAX, leb128Read, leb128Size, readLeb128, writeLeb128 } from './leb128.js';
import { splitSizes } from './split.js';

describe('LEB128 (AV1 §4.10.5)', () => {
  it('writes and reads back the shortest form', () => {
    for (const value of [0, 1, 127, 128, 16_383, 16_384, 2 ** 21, 2 ** 28, LEB128_MAX]) {
      const out = new Uint8Array(8);
      const end = writeLeb128(out, 0, value);
      expect(end).toBe(leb128Size(value));
      expect(readLeb128(out, 0)).toBe(value);
      expect(leb128Read.length).toBe(end);
    }
    expect(Array.from(out128())).toEqual([0x80, 0x01]);
  });

  it('reads padded forms and rejects truncated, overlong and too large values', () => {
    expect(readLeb128(Uint8Array.of(0x85, 0x80, 0x00), 0)).toBe(5);
    expect(readLeb128(Uint8Array.of(0x80), 0)).toBe(-1);
    expect(readLeb128(new Uint8Array(9).fill(0x80), 0)).toBe(-1);
    expect(readLeb128(Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x10), 0)).toBe(-1);
    expect(readLeb128(Uint8Array.of(0x05), 0, 0)).toBe(-1);
  });
});

function out128(): Uint8Array {
  const out = new Uint8Array(2);
  writeLeb128(out, 0, 128);
  return out;
}

describe('splitSizes', () => {
  it('uses as few packets as fit, nearly equal, within both capacities', () => {
    expect(splitSizes(10, 10, 10)).toEqual([10]);
    expect(splitSizes(11, 10, 10)).toEqual([5, 6]);
    expect(splitSizes(50, 1, 9)).toEqual([1, 9, 8, 8, 8, 8, 8]);
    for (let total = 1; total < 300; total += 7) {
      for (const [first, rest] of [
        [1, 1],
        [1, 9],
        [5, 9],
        [9, 5],
        [100, 100],
      ] as const) {
        const sizes = splitSizes(total, first, rest);
        expect(sizes.reduce((a, b) => a + b, 0)).toBe(total);
        expect(sizes[0]).toBeLessThanOrEqual(first);
        expect(sizes.every((s) => s >= 1)).toBe(true);
        expect(sizes.slice(1).every((s) => s <= rest)).toBe(true);
        expect(sizes.length).toBe(total <= first ? 1 : 1 + Math.ceil((total - first) / rest));
      }
    }
  });
});

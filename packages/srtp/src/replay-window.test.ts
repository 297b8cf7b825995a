import { expect, it } from 'vitest';
import { ReplayWindow } from './replay-window.js';

it('accepts each index once, inside the window, as it slides', () => {
  for (const size of [64, 100, 1024]) {
    const w = new ReplayWindow(size);
    expect(w.check(0)).toBe(true);
    w.accept(0);
    expect(w.check(0)).toBe(false);
    w.accept(5000);
    expect(w.check(5000 - size)).toBe(false);
    expect(w.check(5000 - size + 1)).toBe(true);
    w.accept(5000 - size + 1);
    expect(w.check(5000 - size + 1)).toBe(false);
    // Slide by less than the window: the slots in between are fresh again.
    w.accept(5010);
    for (let i = 5001; i < 5010; i++) expect(w.check(i)).toBe(true);
    expect(w.check(5000)).toBe(false);
  }
});

it('matches a set of seen indices over a random walk (48-bit indices too)', () => {
  let x = 7;
  const next = () => {
    x = (x * 1_103_515_245 + 12_345) & 0x7fff_ffff;
    return x;
  };
  for (const base of [0, 2 ** 47]) {
    const w = new ReplayWindow(128);
    const seen = new Set<number>();
    let max = -1;
    for (let i = 0; i < 20_000; i++) {
      const index = base + Math.max(0, (max < 0 ? 0 : max - base) + (next() % 300) - 200);
      const want = !seen.has(index) && (index > max || max - index < 128);
      expect(w.check(index)).toBe(want);
      if (want) {
        w.accept(index);
        seen.add(index);
        max = Math.max(max, index);
      }
    }
  }
});

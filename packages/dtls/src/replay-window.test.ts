import { describe, expect, it } from 'vitest';
import { REPLAY_WINDOW, ReplayWindow } from './replay-window.js';

describe('ReplayWindow (RFC 6347 §4.1.2.6)', () => {
  const table: Array<[string, number[], number, boolean]> = [
    ['first record', [], 0, true],
    ['a duplicate', [5], 5, false],
    ['newer than all', [5], 6, true],
    ['older, inside the window, unseen', [100], 100 - REPLAY_WINDOW + 1, true],
    ['older, at the left edge, seen', [37, 100], 37, false],
    ['older than the window', [100], 100 - REPLAY_WINDOW, false],
    ['a big jump forgets the old flags', [1, 2, 500], 2, false],
    ['after a big jump, unseen inside', [1, 500], 499, true],
    ['48-bit sequence numbers', [2 ** 48 - 2], 2 ** 48 - 1, true],
  ];
  for (const [name, accepted, seq, fresh] of table) {
    it(`${name}: ${fresh ? 'accepts' : 'rejects'} ${seq}`, () => {
      const w = new ReplayWindow();
      for (const s of accepted) w.accept(s);
      expect(w.check(seq)).toBe(fresh);
    });
  }

  it('a check alone does not mark the record (only authenticated records are accepted)', () => {
    const w = new ReplayWindow();
    expect(w.check(3)).toBe(true);
    expect(w.check(3)).toBe(true);
    w.accept(3);
    expect(w.check(3)).toBe(false);
  });

  it('slides: every number in a shuffled run is accepted once', () => {
    const w = new ReplayWindow();
    // Blocks of 8 reversed: reordered within the window, every record once, then all again.
    const seqs = Array.from({ length: 1000 }, (_, i) => (i & ~7) + (7 - (i & 7)));
    let accepted = 0;
    for (const s of [...seqs, ...seqs]) {
      if (w.check(s)) {
        w.accept(s);
        accepted++;
      }
    }
    expect(accepted).toBe(1000);
  });
});

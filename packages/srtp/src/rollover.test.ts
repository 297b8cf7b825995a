import { expect, it } from 'vitest';
import { estimateRoc } from './rollover.js';

it('estimates the rollover counter as RFC 3711 Appendix A does', () => {
  // [roc, s_l, seq, v]
  const table: Array<[number, number, number, number]> = [
    [0, 100, 101, 0],
    [0, 100, 50, 0],
    [0, 65_535, 0, 1], // the wrap
    [0, 65_500, 10, 1],
    [1, 3, 65_534, 0], // a late packet from before the wrap
    [0, 3, 65_534, -1], // before the stream began: the caller drops it
    [5, 40_000, 7_232, 5], // 32 768 behind is still this ROC...
    [5, 40_000, 7_231, 6], // ...one more is 32 767 ahead, past a wrap
    [7, 32_768, 0, 7],
    [7, 32_767, 65_535, 7], // exactly half the space ahead: this ROC
    [7, 32_766, 65_535, 6], // one more: a late packet of the previous ROC
    [0xffff_ffff, 65_535, 0, 0x1_0000_0000], // the index space is spent
  ];
  for (const [roc, lastSeq, seq, v] of table)
    expect([roc, lastSeq, seq, estimateRoc(roc, lastSeq, seq)]).toEqual([roc, lastSeq, seq, v]);
});

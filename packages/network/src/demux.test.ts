import { describe, expect, it } from 'vitest';
import { classifyDatagram } from './demux.js';

describe('classifyDatagram (RFC 7983 §7)', () => {
  it('classifies every first byte as the RFC draws the ranges', () => {
    const kinds = Array.from({ length: 256 }, (_, b) => classifyDatagram(Uint8Array.of(b, 0)));
    const ranges = (kind: string): [number, number][] => {
      const out: [number, number][] = [];
      kinds.forEach((k, b) => {
        if (k !== kind) return;
        const last = out.at(-1);
        if (last && last[1] === b - 1) last[1] = b;
        else out.push([b, b]);
      });
      return out;
    };
    expect(ranges('stun')).toEqual([[0, 3]]);
    expect(ranges('zrtp')).toEqual([[16, 19]]);
    expect(ranges('dtls')).toEqual([[20, 63]]);
    expect(ranges('turn-channel')).toEqual([[64, 79]]);
    expect(ranges('rtp')).toEqual([[128, 191]]);
    expect(ranges('unknown')).toEqual([
      [4, 15],
      [80, 127],
      [192, 255],
    ]);
    expect(classifyDatagram(new Uint8Array(0))).toBe('unknown');
  });
});

import { describe, expect, it } from 'vitest';
import { SequenceNumberUnwrapper, sequenceDelta, TimestampUnwrapper } from './unwrap.js';

describe('sequenceDelta', () => {
  it('is the signed distance the short way round (RFC 1982)', () => {
    expect(sequenceDelta(5, 3)).toBe(2);
    expect(sequenceDelta(3, 5)).toBe(-2);
    expect(sequenceDelta(0, 65535)).toBe(1);
    expect(sequenceDelta(65535, 0)).toBe(-1);
    expect(sequenceDelta(32767, 0)).toBe(32767);
    expect(sequenceDelta(32768, 0)).toBe(-32768);
  });
});

describe('SequenceNumberUnwrapper', () => {
  it('counts cycles across the wrap at 65535', () => {
    const u = new SequenceNumberUnwrapper();
    expect([65533, 65534, 65535, 0, 1, 2].map((s) => u.unwrap(s))).toEqual([
      65533, 65534, 65535, 65536, 65537, 65538,
    ]);
    expect(u.highest).toBe(65538);
  });

  it('places a packet reordered around the wrap on its side of it', () => {
    const u = new SequenceNumberUnwrapper();
    expect(u.unwrap(65534)).toBe(65534);
    expect(u.unwrap(1)).toBe(65537);
    expect(u.unwrap(65535)).toBe(65535);
    expect(u.unwrap(0)).toBe(65536);
    expect(u.unwrap(2)).toBe(65538);
    expect(u.highest).toBe(65538);
  });

  it('goes below 0 for a packet older than the first by a wrap', () => {
    const u = new SequenceNumberUnwrapper();
    expect(u.unwrap(2)).toBe(2);
    expect(u.unwrap(65535)).toBe(-1);
    expect(u.highest).toBe(2);
  });

  it('follows many cycles of a steady stream', () => {
    const u = new SequenceNumberUnwrapper();
    let last = -1;
    for (let i = 0; i < 5 * 65536; i += 7) {
      const e = u.unwrap(i & 0xffff);
      expect(e).toBe(i);
      expect(e).toBeGreaterThan(last);
      last = e;
    }
  });

  it('peek does not move the reference; reset starts over', () => {
    const u = new SequenceNumberUnwrapper();
    u.unwrap(65535);
    expect(u.peek(10)).toBe(65546);
    expect(u.highest).toBe(65535);
    u.reset();
    expect(u.highest).toBeUndefined();
    expect(u.unwrap(10)).toBe(10);
  });
});

describe('TimestampUnwrapper', () => {
  it('counts cycles across the wrap at 2^32', () => {
    const u = new TimestampUnwrapper();
    const ts = [0xffff_fc18, 0xffff_ffff, 0x0000_03e8, 0x0000_07d0];
    expect(ts.map((t) => u.unwrap(t))).toEqual([
      0xffff_fc18,
      0xffff_ffff,
      2 ** 32 + 1000,
      2 ** 32 + 2000,
    ]);
  });

  it('puts an older timestamp (a B-frame, a retransmission) behind the wrap', () => {
    const u = new TimestampUnwrapper();
    u.unwrap(0xffff_ff00);
    expect(u.unwrap(100)).toBe(2 ** 32 + 100);
    expect(u.unwrap(0xffff_fff0)).toBe(0xffff_fff0);
    expect(u.highest).toBe(2 ** 32 + 100);
  });

  it('takes timestamps given as negative 32-bit integers as unsigned', () => {
    const u = new TimestampUnwrapper();
    expect(u.unwrap(-1)).toBe(0xffff_ffff);
    expect(u.unwrap(0)).toBe(2 ** 32);
  });
});

import { describe, expect, it } from 'vitest';
import { RtpConfigurationError } from '../errors.js';
import { serializeRtcp } from './compound.js';
import { nackItems, nackSequenceNumbers, parseNack, type RtcpNack } from './nack.js';

describe('generic NACK (RFC 4585 §6.2.1)', () => {
  it('writes PT 205 FMT 1 with PID and BLP and round-trips', () => {
    const p: RtcpNack = {
      kind: 'nack',
      senderSsrc: 1,
      mediaSsrc: 2,
      items: [{ pid: 0xfffe, blp: 0x8001 }],
    };
    expect(serializeRtcp(p).toString('hex')).toBe(
      '81cd0003' + '00000001' + '00000002' + 'fffe8001',
    );
    expect(parseNack(serializeRtcp(p))).toEqual(p);
    expect(parseNack(serializeRtcp({ ...p, items: [] }))).toEqual({ ...p, items: [] });
  });

  it('lists the lost sequence numbers, across the wrap', () => {
    // BLP bit 0 = PID + 1, bit 15 = PID + 16.
    expect(nackSequenceNumbers([{ pid: 0xfffe, blp: 0x8001 }])).toEqual([0xfffe, 0xffff, 14]);
    expect(
      nackSequenceNumbers([
        { pid: 10, blp: 0 },
        { pid: 100, blp: 0xffff },
      ]),
    ).toEqual([10, ...Array.from({ length: 17 }, (_, i) => 100 + i)]);
  });

  it('builds items from a list: up to 16 after each PID, across the wrap, skipping repeats', () => {
    expect(nackItems([])).toEqual([]);
    expect(nackItems([5])).toEqual([{ pid: 5, blp: 0 }]);
    expect(nackItems([65534, 65535, 0, 14])).toEqual([{ pid: 65534, blp: 0x8003 }]);
    expect(nackItems([65534, 15])).toEqual([
      { pid: 65534, blp: 0 },
      { pid: 15, blp: 0 },
    ]);
    expect(nackItems([1, 1, 2, 17, 18, 40])).toEqual([
      { pid: 1, blp: 0x8001 },
      { pid: 18, blp: 0 },
      { pid: 40, blp: 0 },
    ]);
    const lost = [65530, 65531, 65535, 0, 3, 9, 30, 31, 47, 48];
    expect(nackSequenceNumbers(nackItems(lost))).toEqual(lost);
  });

  it('round-trips any set of losses within a window', () => {
    let seed = 1;
    const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let run = 0; run < 200; run++) {
      const start = Math.floor(rand() * 65536);
      const lost: number[] = [];
      for (let i = 0; i < 300; i++) if (rand() < 0.2) lost.push((start + i) & 0xffff);
      expect(nackSequenceNumbers(nackItems(lost))).toEqual(lost);
    }
  });

  it('throws for a PID or BLP over 16 bits', () => {
    const p: RtcpNack = {
      kind: 'nack',
      senderSsrc: 1,
      mediaSsrc: 2,
      items: [{ pid: 65536, blp: 0 }],
    };
    expect(() => serializeRtcp(p)).toThrow(RtpConfigurationError);
    expect(() => serializeRtcp({ ...p, items: [{ pid: 0, blp: -1 }] })).toThrow(
      RtpConfigurationError,
    );
  });
});

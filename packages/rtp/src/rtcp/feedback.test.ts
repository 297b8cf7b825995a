import { describe, expect, it } from 'vitest';
import { RtpConfigurationError } from '../errors.js';
import { serializeRtcp } from './compound.js';
import { parseFir, type RtcpFir } from './fir.js';
import { parsePli } from './pli.js';
import { parseRemb, type RtcpRemb } from './remb.js';

describe('PLI (RFC 4585 §6.3.1)', () => {
  it('writes PT 206 FMT 1 with the two SSRCs and round-trips', () => {
    const p = { kind: 'pli', senderSsrc: 0x902f9e2e, mediaSsrc: 0xffffffff } as const;
    expect(serializeRtcp(p).toString('hex')).toBe('81ce0002902f9e2effffffff');
    expect(parsePli(serializeRtcp(p))).toEqual(p);
    expect(parsePli(Buffer.from('81ce0001902f9e2e', 'hex'))).toBe('truncated');
    expect(parsePli(Buffer.from('84ce0002902f9e2effffffff', 'hex'))).toBe('wrong-type');
  });
});

describe('FIR (RFC 5104 §4.3.1)', () => {
  const fir: RtcpFir = {
    kind: 'fir',
    senderSsrc: 1,
    mediaSsrc: 0,
    entries: [
      { ssrc: 0x12345678, sequenceNumber: 255 },
      { ssrc: 0xffffffff, sequenceNumber: 0 },
    ],
  };
  it('writes FMT 4 with 8-byte FCI entries (SSRC, seq nr, 3 reserved) and round-trips', () => {
    expect(serializeRtcp(fir).toString('hex')).toBe(
      '84ce0006' + '00000001' + '00000000' + '12345678ff000000' + 'ffffffff00000000',
    );
    expect(parseFir(serializeRtcp(fir))).toEqual(fir);
    expect(parseFir(serializeRtcp({ ...fir, entries: [] }))).toEqual({ ...fir, entries: [] });
    expect(() => serializeRtcp({ ...fir, entries: [{ ssrc: 1, sequenceNumber: 256 }] })).toThrow(
      RtpConfigurationError,
    );
  });
});

describe('REMB (draft-alvestrand-rmcat-remb-03 §2.2)', () => {
  it('encodes exponent and mantissa as libwebrtc does (pion vector)', () => {
    const p: RtcpRemb = {
      kind: 'remb',
      senderSsrc: 1,
      mediaSsrc: 0,
      bitrate: 8927168,
      ssrcs: [1215622422],
    };
    expect([...serializeRtcp(p)]).toEqual([
      143, 206, 0, 5, 0, 0, 0, 1, 0, 0, 0, 0, 82, 69, 77, 66, 1, 26, 32, 223, 72, 116, 237, 22,
    ]);
    expect(parseRemb(serializeRtcp(p))).toEqual(p);
    // One less rounds the mantissa down: 139486 × 64.
    const lower = parseRemb(serializeRtcp({ ...p, bitrate: 8927167 }));
    expect(typeof lower !== 'string' && lower.bitrate).toBe(8927104);
  });

  it('covers the bitrate range: 0, 2^18 − 1 exactly, and the 6-bit exponent at its top', () => {
    const at = (bitrate: number, ssrcs: number[] = []) =>
      parseRemb(serializeRtcp({ kind: 'remb', senderSsrc: 0, mediaSsrc: 0, bitrate, ssrcs }));
    expect(at(0)).toMatchObject({ bitrate: 0 });
    expect(at(0x3ffff)).toMatchObject({ bitrate: 0x3ffff });
    expect(at(0x40000)).toMatchObject({ bitrate: 0x40000 });
    expect(at(Number.MAX_VALUE)).toMatchObject({ bitrate: 0x3ffff * 2 ** 63 });
    expect(
      at(
        1e9,
        Array.from({ length: 255 }, (_, i) => i),
      ),
    ).toMatchObject({ bitrate: 244_140 * 4096 });
    expect(() => at(-1)).toThrow(RtpConfigurationError);
    expect(() => at(Number.NaN)).toThrow(RtpConfigurationError);
    expect(() => at(1, new Array(256).fill(0))).toThrow(RtpConfigurationError);
  });

  it('refuses an AFB packet that is not REMB, or whose SSRC list runs past the end', () => {
    expect(
      parseRemb(Buffer.from('8fce000300000001000000004142434400', 'hex').subarray(0, 16)),
    ).toBe('wrong-type');
    expect(
      parseRemb(
        Buffer.from('8fce000400000001000000005245 4d42 02 000001'.replace(/ /g, ''), 'hex'),
      ),
    ).toBe('truncated');
  });
});

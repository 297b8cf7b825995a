import { describe, expect, it } from 'vitest';
import { RtpConfigurationError } from '../errors.js';
import { Av1Depacketizer } from './av1.js';
import { Av1Payloader } from './av1-payloader.js';
import {
  av1TemporalUnit,
  hex,
  MTUS,
  prng,
  readFixture,
  roundTrip,
  SIZES,
  sameBytes,
  toHex,
} from './testing-frames.js';

describe('AV1 depacketizer (AOM RTP payload format v1.0)', () => {
  const d = new Av1Depacketizer();

  for (const c of readFixture('av1.txt').filter((x) => x.mtu === undefined)) {
    it(`fixture ${c.name}`, () => {
      expect(d.assemble(c.payloads)).toEqual(c.frame);
    });
  }

  it('starts a temporal unit at Z=0 with a sequence header, TD, metadata or frame (header) OBU', () => {
    for (const p of ['1008', '1010', '1018', '1028', '1030', '0002080a', '20020830']) {
      expect(d.isFrameStart(hex(p)), p).toBe(true);
    }
    // Continuation, tile group, redundant frame header, padding, forbidden bit, truncated.
    for (const p of ['9030', '1020', '1038', '1078', '10b0', '10', '00', '0005', '0000']) {
      expect(d.isFrameStart(hex(p)), p).toBe(false);
    }
  });

  it('takes N for keyframes and the marker bit for the end', () => {
    expect(d.isKeyframe(hex('1808'))).toBe(true);
    expect(d.isKeyframe(hex('1008'))).toBe(false);
    expect(d.isKeyframe(hex('9808'))).toBe(false);
    expect(d.isFrameEnd(hex('1030'), true)).toBe(true);
    expect(d.isFrameEnd(hex('1030'), false)).toBe(false);
  });

  it('prepends a temporal delimiter on request', () => {
    const td = new Av1Depacketizer({ prependTemporalDelimiter: true });
    expect(toHex(td.assemble([hex('10 30 14')])!)).toBe('1200320114');
    expect(td.assemble([hex('10 10')])).toBeUndefined();
  });
});

describe('AV1 payloader', () => {
  for (const c of readFixture('av1.txt').filter((x) => x.mtu !== undefined)) {
    it(`fixture ${c.name}`, () => {
      expect(new Av1Payloader().packetize(c.frame!, c.mtu!)).toEqual(c.payloads);
    });
  }

  it('round-trips temporal units of 1 byte to 200 KB through every MTU', () => {
    const rng = prng(1);
    const d = new Av1Depacketizer();
    for (const size of SIZES) {
      for (const key of [true, false]) {
        const tu = av1TemporalUnit(rng, size, key);
        for (const mtu of [2, 3, ...MTUS]) {
          if (mtu < 16 && size > 5000) continue;
          const { payloads, frame } = roundTrip(new Av1Payloader(), d, tu, mtu);
          expect(sameBytes(frame, tu.subarray(2))).toBe(true);
          expect(d.isFrameStart(payloads[0]!)).toBe(true);
          expect(d.isKeyframe(payloads[0]!)).toBe(key);
          expect(payloads.slice(1).some((x) => d.isKeyframe(x))).toBe(false);
        }
      }
    }
  });

  it('sets W for up to 3 elements, W=0 with more, and Y/Z across a fragment', () => {
    const p = new Av1Payloader();
    // Four metadata OBUs of 3 bytes (with obu_size) and one frame OBU.
    const tu = hex('2a 01 01 2a 01 02 2a 01 03 2a 01 04 32 02 30 31');
    expect(p.packetize(tu, 1200).map(toHex)).toEqual(['0002280102280202280302280403303031']);
    expect(p.packetize(tu, 9).map(toHex)).toEqual(['300228010228022803', '20022804303031']);
    const small = p.packetize(hex('32 06 30 31 32 33 34 35'), 4);
    expect(small.map(toHex)).toEqual(['50303031', 'd0323334', '9035']);
  });

  it('keeps obu_size on request, and drops tile lists and padding', () => {
    const tu = hex('42 01 00 7a 01 00 32 01 30');
    expect(new Av1Payloader().packetize(tu, 1200).map(toHex)).toEqual(['103030']);
    expect(new Av1Payloader({ keepObuSize: true }).packetize(tu, 1200).map(toHex)).toEqual([
      '10320130',
    ]);
    expect(new Av1Payloader().packetize(hex('12 00'), 1200)).toEqual([]);
  });

  it('accepts a last OBU without obu_size and throws for malformed OBUs', () => {
    const p = new Av1Payloader();
    expect(p.packetize(hex('30 30 31'), 1200).map(toHex)).toEqual(['10303031']);
    expect(() => p.packetize(new Uint8Array(0), 1200)).toThrow(RtpConfigurationError);
    expect(() => p.packetize(hex('b2 00'), 1200)).toThrow(RtpConfigurationError);
    expect(() => p.packetize(hex('32 05 00'), 1200)).toThrow(RtpConfigurationError);
    expect(() => p.packetize(hex('36'), 1200)).toThrow(RtpConfigurationError);
    expect(() => p.packetize(hex('32 ff ff ff ff ff ff ff ff'), 1200)).toThrow(
      RtpConfigurationError,
    );
    expect(() => p.packetize(hex('32 00'), 1)).toThrow(RtpConfigurationError);
  });
});

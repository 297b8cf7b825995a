import { describe, expect, it } from 'vitest';
import { RtpConfigurationError } from '../errors.js';
import { H264Depacketizer } from './h264.js';
import { H264Payloader, splitAnnexB } from './h264-payloader.js';
import {
  h264AccessUnit,
  hex,
  MTUS,
  prng,
  readFixture,
  roundTrip,
  SIZES,
  sameBytes,
  toHex,
} from './testing-frames.js';

const SPS = '6742c01f1a32350140 7a403c2211a8'.replace(' ', '');
const PPS = '681a34e3c8';

describe('H.264 depacketizer (RFC 6184)', () => {
  const d = new H264Depacketizer();

  for (const c of readFixture('h264.txt').filter((x) => x.mtu === undefined)) {
    it(`fixture ${c.name}`, () => {
      expect(d.assemble(c.payloads)).toEqual(c.frame);
    });
  }

  it('tells access unit starts: parameter sets, SEI, AUD, first slices, FU-A starts', () => {
    const starts = ['6742', '68ce', '0605', '09f0', '6588', '4188', '7c8588', '780002674200026801'];
    for (const p of starts) expect(d.isFrameStart(hex(p)), p).toBe(true);
    // A slice with first_mb_in_slice > 0, a FU-A continuation, end of sequence, reserved types,
    // a forbidden bit, an empty or truncated packet.
    const others = [
      '4108',
      '6508',
      '7c0588',
      '7c4588',
      '0a',
      '1f00',
      'e788',
      '',
      '41',
      '7c85',
      '780005',
      '1900',
    ];
    for (const p of others) expect(d.isFrameStart(hex(p)), p).toBe(false);
  });

  it('tells keyframes: an IDR or an SPS, whole, in a STAP-A or starting a FU-A', () => {
    for (const p of [
      '6588',
      '6742',
      '7c8588',
      `7800${'0f'}${SPS}0005${PPS}`,
      '7800026801000265880',
    ]) {
      expect(d.isKeyframe(hex(p.length % 2 ? `${p}0` : p)), p).toBe(true);
    }
    for (const p of ['4188', '7c0588', '7c8188', '780002680100024188', '', '7800ff68']) {
      expect(d.isKeyframe(hex(p)), p).toBe(false);
    }
  });

  it('uses the marker bit for the end of an access unit', () => {
    expect(d.isFrameEnd(hex('4188'), true)).toBe(true);
    expect(d.isFrameEnd(hex('4188'), false)).toBe(false);
  });
});

describe('H.264 payloader', () => {
  for (const c of readFixture('h264.txt').filter((x) => x.mtu !== undefined)) {
    it(`fixture ${c.name}`, () => {
      expect(new H264Payloader().packetize(c.frame!, c.mtu!)).toEqual(c.payloads);
    });
  }

  it('splits Annex B with 3- and 4-byte start codes, leading and trailing zeros', () => {
    const nals = splitAnnexB(
      hex('00 00 00 00 01 09 f0 00 00 01 41 9a 00 00 00 00 00 01 68 01 00 00 01'),
    );
    expect(nals.map(toHex)).toEqual(['09f0', '419a', '6801']);
    expect(splitAnnexB(new Uint8Array(0))).toEqual([]);
    expect(() => splitAnnexB(hex('41 9a'))).toThrow(RtpConfigurationError);
    expect(() => splitAnnexB(hex('01 00 00 01 41'))).toThrow(RtpConfigurationError);
  });

  it('round-trips access units of 2 bytes to 200 KB, one or several slices, through every MTU', () => {
    const rng = prng(264);
    const d = new H264Depacketizer();
    for (const size of SIZES) {
      for (const key of [true, false]) {
        for (const slices of [1, 3]) {
          const frame = h264AccessUnit(rng, size, key, slices);
          for (const mtu of MTUS) {
            const { payloads, frame: out } = roundTrip(new H264Payloader(), d, frame, mtu);
            expect(sameBytes(out, frame)).toBe(true);
            expect(d.isFrameStart(payloads[0]!)).toBe(true);
            expect(d.isKeyframe(payloads[0]!)).toBe(key);
            // The PPS and IDR slice after a packet of parameter sets also look like starts: the
            // same timestamp shows they do not begin a new access unit.
            const starts = payloads.flatMap((x, i) => (d.isFrameStart(x) ? [i] : []));
            expect(starts.length === 1 || (key && starts.length <= 3)).toBe(true);
            expect(starts.every((x, i) => x === i)).toBe(true);
          }
        }
      }
    }
  });

  it('aggregates small NAL units into one STAP-A and fragments large ones', () => {
    const rng = prng(1);
    const frame = h264AccessUnit(rng, 3000, true);
    const payloads = new H264Payloader().packetize(frame, 1200);
    expect(payloads.map((p) => p[0]! & 0x1f)).toEqual([24, 28, 28, 28]);
    expect(payloads.slice(1).map((p) => p[1]! & 0xe0)).toEqual([0x80, 0x00, 0x40]);
  });

  it('puts the last SPS and PPS in front of an IDR that comes without them', () => {
    const rng = prng(2);
    const p = new H264Payloader();
    const d = new H264Depacketizer();
    const first = h264AccessUnit(rng, 500, true);
    p.packetize(first, 1200);
    const idrOnly = hex(`00000001 65 88 ${'11'.repeat(50)}`);
    const payloads = p.packetize(idrOnly, 1200);
    expect(toHex(d.assemble(payloads)!)).toBe(`00000001${SPS}00000001${PPS}${toHex(idrOnly)}`);
    // Not without an IDR, nor when turned off.
    expect(p.packetize(hex('00000001 41 9a 22'), 1200)).toEqual([hex('419a22')]);
    const off = new H264Payloader({ insertParameterSets: false });
    off.packetize(first, 1200);
    expect(off.packetize(idrOnly, 1200)).toEqual([idrOnly.subarray(4)]);
  });

  it('keeps access unit delimiters on request', () => {
    const frame = hex('00000001 09 f0 00000001 41 9a 02');
    expect(new H264Payloader({ keepAccessUnitDelimiters: true }).packetize(frame, 1200)).toEqual([
      hex('58 0002 09f0 0003 419a02'),
    ]);
    expect(new H264Payloader().packetize(hex('00000001 09 f0'), 1200)).toEqual([]);
  });

  it('sends single NAL units only in packetization-mode 0', () => {
    const frame = hex(`00000001 ${SPS} 00000001 ${PPS} 00000001 65 88 84 21`);
    const payloads = new H264Payloader({ packetizationMode: 0 }).packetize(frame, 1200);
    expect(payloads.map(toHex)).toEqual([SPS, PPS, '65888421']);
    expect(() => new H264Payloader({ packetizationMode: 0 }).packetize(frame, 10)).toThrow(
      RtpConfigurationError,
    );
  });

  it('throws for invalid program input', () => {
    const p = new H264Payloader();
    expect(() => p.packetize(new Uint8Array(0), 1200)).toThrow(RtpConfigurationError);
    expect(() => p.packetize(hex('419a02'), 1200)).toThrow(RtpConfigurationError);
    expect(() => p.packetize(hex('00000001 c1 9a'), 1200)).toThrow(RtpConfigurationError);
    expect(() => p.packetize(hex('00000001 7c 9a'), 1200)).toThrow(RtpConfigurationError);
    expect(() => p.packetize(hex('00000001 00 9a'), 1200)).toThrow(RtpConfigurationError);
    expect(() => p.packetize(hex('00000001 41 9a 02 03'), 2)).toThrow(RtpConfigurationError);
    expect(() => p.packetize(hex('00000001 41 9a'), 0)).toThrow(RtpConfigurationError);
    expect(p.packetize(hex('00000001 41 9a 02 03'), 3)).toHaveLength(3);
  });
});

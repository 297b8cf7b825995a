import { describe, expect, it } from 'vitest';
import { RtpConfigurationError } from '../errors.js';
import {
  MTUS,
  prng,
  readFixture,
  roundTrip,
  SIZES,
  sameBytes,
  toHex,
  vp8Frame,
} from './testing-frames.js';
import { parseVp8Descriptor, Vp8Depacketizer, Vp8Payloader } from './vp8.js';

describe('VP8 depacketizer (RFC 7741)', () => {
  const d = new Vp8Depacketizer();

  for (const c of readFixture('vp8.txt')) {
    it(`fixture ${c.name}`, () => {
      expect(d.assemble(c.payloads)).toEqual(c.frame);
    });
  }

  it('parses descriptors (pion/rtp vp8_packet_test.go vectors)', () => {
    expect(
      parseVp8Descriptor(Uint8Array.of(0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x90)),
    ).toMatchObject({
      size: 1,
      startOfPartition: false,
      pictureId: undefined,
    });
    expect(parseVp8Descriptor(Uint8Array.of(0x80, 0x80, 0x81, 0x00, 0x01))).toMatchObject({
      pictureId: 0x0100,
      pictureIdBits: 15,
      size: 4,
    });
    expect(parseVp8Descriptor(Uint8Array.of(0xff, 0xff, 0x00, 0x00, 0x01, 0x90))).toMatchObject({
      nonReference: true,
      startOfPartition: true,
      partitionIndex: 7,
      pictureId: 0,
      pictureIdBits: 7,
      tl0PicIdx: 0,
      temporalId: 0,
      layerSync: false,
      keyIndex: 1,
      size: 5,
    });
    expect(parseVp8Descriptor(Uint8Array.of(0x81, 0x81, 0x14, 0x90))).toMatchObject({
      pictureId: 0x14,
    });
    // Truncated: no payload byte, or an extension past the end.
    expect(parseVp8Descriptor(Uint8Array.of(0x00))).toBeUndefined();
    expect(parseVp8Descriptor(Uint8Array.of(0x80, 0x80, 0x81))).toBeUndefined();
    expect(parseVp8Descriptor(Uint8Array.of(0x80, 0x40))).toBeUndefined();
    expect(parseVp8Descriptor(Uint8Array.of(0x80, 0x20))).toBeUndefined();
    expect(parseVp8Descriptor(Uint8Array.of(0x80, 0x10))).toBeUndefined();
  });

  it('tells frame starts and keyframes (S=1, PID=0, P bit of the payload header)', () => {
    expect(d.isFrameStart(Uint8Array.of(0x10, 0x00, 0x00, 0x00))).toBe(true);
    expect(d.isFrameStart(Uint8Array.of(0x00, 0x00, 0x00, 0x00))).toBe(false);
    expect(d.isFrameStart(Uint8Array.of(0x11, 0x00))).toBe(false);
    expect(d.isFrameStart(Uint8Array.of(0x10))).toBe(false);
    expect(d.isKeyframe(Uint8Array.of(0x10, 0x50))).toBe(true);
    expect(d.isKeyframe(Uint8Array.of(0x10, 0x51))).toBe(false);
    expect(d.isKeyframe(Uint8Array.of(0x00, 0x50))).toBe(false);
    expect(d.isKeyframe(Uint8Array.of(0x11, 0x50))).toBe(false);
    expect(d.isKeyframe(Uint8Array.of(0x90, 0x80, 0x80, 0x01, 0x50))).toBe(true);
    expect(d.isFrameEnd(Uint8Array.of(0x10, 0x50), true)).toBe(true);
    expect(d.isFrameEnd(Uint8Array.of(0x10, 0x50), false)).toBe(false);
  });
});

describe('VP8 payloader', () => {
  it('round-trips frames of 3 bytes to 200 KB through every MTU', () => {
    const rng = prng(8);
    const d = new Vp8Depacketizer();
    for (const size of SIZES) {
      for (const key of [true, false]) {
        const frame = vp8Frame(rng, Math.max(size, key ? 10 : 3), key);
        for (const mtu of MTUS) {
          const p = new Vp8Payloader({ initialPictureId: 0x7ffe });
          const { payloads, frame: out } = roundTrip(p, d, frame, mtu);
          expect(sameBytes(out, frame)).toBe(true);
          expect(d.isFrameStart(payloads[0]!)).toBe(true);
          expect(d.isKeyframe(payloads[0]!)).toBe(key);
          expect(payloads.slice(1).some((x) => d.isFrameStart(x))).toBe(false);
          const sizes = payloads.map((x) => x.length);
          expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
        }
      }
    }
  });

  it('writes X, I and a 15-bit picture id that grows a frame and wraps', () => {
    const p = new Vp8Payloader({ initialPictureId: 0x7fff });
    const frame = vp8Frame(prng(1), 100, true);
    const first = p.packetize(frame, 60);
    expect(toHex(first[0]!.subarray(0, 4))).toBe('9080ffff');
    expect(toHex(first[1]!.subarray(0, 4))).toBe('8080ffff');
    expect(p.pictureId).toBe(0);
    expect(toHex(p.packetize(frame, 1200)[0]!.subarray(0, 4))).toBe('90808000');
  });

  it('writes 7-bit picture ids or none', () => {
    const frame = vp8Frame(prng(1), 20, false);
    const seven = new Vp8Payloader({ pictureIdBits: 7, initialPictureId: 0x7f });
    expect(toHex(seven.packetize(frame, 1200)[0]!.subarray(0, 3))).toBe('90807f');
    expect(seven.pictureId).toBe(0);
    const none = new Vp8Payloader({ pictureIdBits: 0 });
    const payload = none.packetize(frame, 1200)[0]!;
    expect(payload[0]).toBe(0x10);
    expect(payload.subarray(1)).toEqual(frame);
  });

  it('throws for a frame that is not VP8, a tiny MTU and a bad option', () => {
    const p = new Vp8Payloader();
    expect(() => p.packetize(new Uint8Array(0), 1200)).toThrow(RtpConfigurationError);
    expect(() => p.packetize(Uint8Array.of(0x50, 0, 0, 1, 2, 3, 4, 5, 6, 7), 1200)).toThrow(
      RtpConfigurationError,
    );
    expect(() => p.packetize(vp8Frame(prng(1), 20, false), 4)).toThrow(RtpConfigurationError);
    expect(() => new Vp8Payloader({ pictureIdBits: 8 as 7 })).toThrow(RtpConfigurationError);
  });
});

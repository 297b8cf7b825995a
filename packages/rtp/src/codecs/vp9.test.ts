import { describe, expect, it } from 'vitest';
import { RtpConfigurationError } from '../errors.js';
import {
  hex,
  MTUS,
  prng,
  readFixture,
  roundTrip,
  SIZES,
  sameBytes,
  vp9Frame,
} from './testing-frames.js';
import { parseVp9Descriptor, parseVp9ScalabilityStructure, Vp9Depacketizer } from './vp9.js';
import { parseVp9FrameInfo, Vp9Payloader } from './vp9-payloader.js';

describe('VP9 depacketizer (RFC 9628)', () => {
  const d = new Vp9Depacketizer();

  for (const c of readFixture('vp9.txt')) {
    it(`fixture ${c.name}`, () => {
      expect(d.assemble(c.payloads)).toEqual(c.frame);
    });
  }

  it('parses a descriptor with every field (pion/rtp vp9_packet_test.go)', () => {
    const p = hex('fe 11 51 02 58 00 01 00 02 00 03 00 04 00 05 00 06 01 14 03 aa');
    expect(parseVp9Descriptor(p)).toMatchObject({
      interPicture: true,
      flexible: true,
      beginning: true,
      end: true,
      scalabilityStructurePresent: true,
      notUpperReference: false,
      pictureId: 0x11,
      pictureIdBits: 7,
      layerIndices: true,
      temporalId: 2,
      switchingUp: true,
      spatialId: 0,
      interLayer: true,
      tl0PicIdx: undefined,
      referenceIndices: [1],
      size: 20,
    });
    expect(parseVp9ScalabilityStructure(p)).toEqual({
      spatialLayers: 3,
      resolutions: [
        { width: 1, height: 2 },
        { width: 3, height: 4 },
        { width: 5, height: 6 },
      ],
      pictureGroup: [{ temporalId: 0, switchingUp: true, referenceIndices: [3] }],
    });
  });

  it('parses the pion scalability structures without payload', () => {
    const resolutions = hex('0a 30 02 80 01 68 05 00 02 d0');
    expect(parseVp9ScalabilityStructure(resolutions)?.resolutions).toEqual([
      { width: 640, height: 360 },
      { width: 1280, height: 720 },
    ]);
    const groups = hex('0a 28 02 10 44 21');
    expect(parseVp9ScalabilityStructure(groups)?.pictureGroup).toEqual([
      { temporalId: 0, switchingUp: true, referenceIndices: [] },
      { temporalId: 2, switchingUp: false, referenceIndices: [33] },
    ]);
    expect(parseVp9ScalabilityStructure(hex('0a 27'))).toEqual({
      spatialLayers: 2,
      resolutions: [],
      pictureGroup: [],
    });
    expect(parseVp9ScalabilityStructure(hex('08 86'))).toBeUndefined();
    for (const short of [
      '',
      '80',
      '80 81',
      'a0 02',
      'a0 02 23',
      'd0 02',
      'd0 02 03',
      '0a 10',
      '0a 08',
      '0a 08 01 04',
    ]) {
      expect(parseVp9Descriptor(hex(short))).toBeUndefined();
    }
  });

  it('tells layer frame starts and ends (B, E, marker) and keyframes', () => {
    expect(d.isFrameStart(hex('88 02 86'))).toBe(true);
    expect(d.isFrameStart(hex('80 02 86'))).toBe(false);
    expect(d.isFrameEnd(hex('84 02 86'), false)).toBe(true);
    expect(d.isFrameEnd(hex('80 02 86'), false)).toBe(false);
    expect(d.isFrameEnd(hex('80 02 86'), true)).toBe(true);
    // Keyframe: B, P=0, base spatial layer.
    expect(d.isKeyframe(hex('88 02 86'))).toBe(true);
    expect(d.isKeyframe(hex('c8 02 86'))).toBe(false);
    expect(d.isKeyframe(hex('80 02 86'))).toBe(false);
    expect(d.isKeyframe(hex('a8 02 00 05 86'))).toBe(true);
    expect(d.isKeyframe(hex('a8 02 03 05 86'))).toBe(false);
  });
});

describe('VP9 payloader', () => {
  it('reads keyframes and their size from the uncompressed header', () => {
    const rng = prng(9);
    expect(parseVp9FrameInfo(vp9Frame(rng, 20, true, 1280, 720))).toEqual({
      keyframe: true,
      width: 1280,
      height: 720,
    });
    expect(parseVp9FrameInfo(vp9Frame(rng, 20, false))).toEqual({
      keyframe: false,
      width: undefined,
      height: undefined,
    });
    expect(parseVp9FrameInfo(Uint8Array.of(0x88))).toMatchObject({ keyframe: false }); // show_existing_frame
    expect(parseVp9FrameInfo(Uint8Array.of(0x06))).toBeUndefined();
    expect(parseVp9FrameInfo(vp9Frame(rng, 20, true).subarray(0, 6))).toBeUndefined();
    expect(parseVp9FrameInfo(new Uint8Array(0))).toBeUndefined();
  });

  it('round-trips frames of 1 byte to 200 KB through every MTU', () => {
    const rng = prng(9);
    const d = new Vp9Depacketizer();
    for (const size of SIZES) {
      for (const key of [true, false]) {
        const frame = vp9Frame(rng, Math.max(size, key ? 9 : 1), key);
        for (const mtu of MTUS) {
          const { payloads, frame: out } = roundTrip(new Vp9Payloader(), d, frame, mtu);
          expect(sameBytes(out, frame)).toBe(true);
          expect(d.isFrameStart(payloads[0]!)).toBe(true);
          expect(d.isKeyframe(payloads[0]!)).toBe(key);
          expect(payloads.slice(1).some((x) => d.isFrameStart(x))).toBe(false);
          expect(payloads.slice(0, -1).some((x) => d.isFrameEnd(x, false))).toBe(false);
          expect(d.isFrameEnd(payloads.at(-1)!, false)).toBe(true);
        }
      }
    }
  });

  it('sends non-flexible descriptors with a picture id, and SS on keyframes', () => {
    const rng = prng(10);
    const p = new Vp9Payloader({ initialPictureId: 0x7fff });
    const key = p.packetize(vp9Frame(rng, 3000, true, 1280, 720), 1200);
    const first = parseVp9Descriptor(key[0]!)!;
    expect(first).toMatchObject({
      pictureId: 0x7fff,
      pictureIdBits: 15,
      interPicture: false,
      flexible: false,
      layerIndices: false,
      beginning: true,
      end: false,
      scalabilityStructurePresent: true,
      size: 11,
    });
    expect(parseVp9ScalabilityStructure(key[0]!)).toEqual({
      spatialLayers: 1,
      resolutions: [{ width: 1280, height: 720 }],
      pictureGroup: [{ temporalId: 0, switchingUp: false, referenceIndices: [1] }],
    });
    expect(parseVp9Descriptor(key[1]!)).toMatchObject({
      beginning: false,
      scalabilityStructurePresent: false,
    });
    expect(parseVp9Descriptor(key[2]!)).toMatchObject({ end: true });
    const delta = p.packetize(vp9Frame(rng, 100, false), 1200);
    expect(parseVp9Descriptor(delta[0]!)).toMatchObject({
      pictureId: 0,
      interPicture: true,
      beginning: true,
      end: true,
      scalabilityStructurePresent: false,
      size: 3,
    });
  });

  it('throws for a frame that is not VP9 and an MTU without room', () => {
    const p = new Vp9Payloader();
    expect(() => p.packetize(Uint8Array.of(0x06, 1), 1200)).toThrow(RtpConfigurationError);
    expect(() => p.packetize(new Uint8Array(0), 1200)).toThrow(RtpConfigurationError);
    expect(() => p.packetize(vp9Frame(prng(1), 50, true), 11)).toThrow(RtpConfigurationError);
    expect(p.packetize(vp9Frame(prng(1), 50, true), 12).map((x) => x.length)).toEqual([
      12, 12, 11, 11, 11, 11, 11,
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { Av1Depacketizer } from './av1.js';
import { Av1Payloader } from './av1-payloader.js';
import { G711Depacketizer, G711Payloader } from './g711.js';
import { H264Depacketizer } from './h264.js';
import { H264Payloader } from './h264-payloader.js';
import { OpusDepacketizer, OpusPayloader } from './opus.js';
import { depacketizerFor, payloaderFor, SUPPORTED_MIME_TYPES } from './registry.js';
import { Vp8Depacketizer, Vp8Payloader } from './vp8.js';
import { Vp9Depacketizer } from './vp9.js';
import { Vp9Payloader } from './vp9-payloader.js';

describe('depacketizerFor / payloaderFor', () => {
  it('knows every supported media type, in any case (RFC 6838 §4.2)', () => {
    const classes = [
      [OpusDepacketizer, OpusPayloader],
      [G711Depacketizer, G711Payloader],
      [G711Depacketizer, G711Payloader],
      [Vp8Depacketizer, Vp8Payloader],
      [Vp9Depacketizer, Vp9Payloader],
      [H264Depacketizer, H264Payloader],
      [Av1Depacketizer, Av1Payloader],
    ] as const;
    SUPPORTED_MIME_TYPES.forEach((type, i) => {
      for (const name of [type, type.toUpperCase(), type.toLowerCase()]) {
        expect(depacketizerFor(name)).toBeInstanceOf(classes[i]![0]);
        expect(payloaderFor(name)).toBeInstanceOf(classes[i]![1]);
      }
    });
  });

  it('returns undefined for an unknown type and passes options on', () => {
    expect(depacketizerFor('video/H265')).toBeUndefined();
    expect(payloaderFor('audio/G722')).toBeUndefined();
    const vp8 = payloaderFor('video/vp8', { initialPictureId: 42 }) as Vp8Payloader;
    expect(vp8.pictureId).toBe(42);
    const g711 = payloaderFor('audio/pcmu', { samplesPerPacket: 80 })!;
    expect(g711.packetize(new Uint8Array(160), 1200)).toHaveLength(2);
    const av1 = depacketizerFor('video/av1', { prependTemporalDelimiter: true })!;
    expect(av1.assemble([Uint8Array.of(0x10, 0x30)])).toEqual(Uint8Array.of(0x12, 0, 0x32, 0));
  });
});

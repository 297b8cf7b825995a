import { describe, expect, it } from 'vitest';
import { Av1Depacketizer } from './av1.js';
import { Av1Payloader } from './av1-payloader.js';
import { assembleFrame, type Depacketizer, type Payloader } from './depacketizer.js';
import { H264Depacketizer } from './h264.js';
import { H264Payloader } from './h264-payloader.js';
import {
  av1TemporalUnit,
  h264AccessUnit,
  prng,
  toPackets,
  vp8Frame,
  vp9Frame,
} from './testing-frames.js';
import { Vp8Depacketizer, Vp8Payloader } from './vp8.js';
import { Vp9Depacketizer } from './vp9.js';
import { Vp9Payloader } from './vp9-payloader.js';

type Maker = (rng: ReturnType<typeof prng>, size: number, key: boolean) => Uint8Array;

const codecs: [string, () => Payloader, () => Depacketizer, Maker][] = [
  ['VP8', () => new Vp8Payloader({ initialPictureId: 7 }), () => new Vp8Depacketizer(), vp8Frame],
  ['VP9', () => new Vp9Payloader({ initialPictureId: 7 }), () => new Vp9Depacketizer(), vp9Frame],
  ['H264', () => new H264Payloader(), () => new H264Depacketizer(), h264AccessUnit],
  ['AV1', () => new Av1Payloader(), () => new Av1Depacketizer(), av1TemporalUnit],
];

describe('assembleFrame', () => {
  it('assembles consecutive packets across the sequence number wrap', () => {
    const frame = vp8Frame(prng(1), 5000, true);
    const payloads = new Vp8Payloader().packetize(frame, 1200);
    expect(assembleFrame(new Vp8Depacketizer(), toPackets(payloads, 65_534))).toEqual(frame);
  });

  it('rejects a gap, a timestamp change, a missing marker and an empty list', () => {
    const d = new Vp8Depacketizer();
    const payloads = new Vp8Payloader().packetize(vp8Frame(prng(2), 5000, true), 1200);
    const packets = toPackets(payloads);
    expect(assembleFrame(d, [])).toBeUndefined();
    expect(assembleFrame(d, [...packets.slice(0, 2), ...packets.slice(3)])).toBeUndefined();
    expect(
      assembleFrame(
        d,
        packets.map((p, i) => ({ ...p, timestamp: i === 2 ? 1 : p.timestamp })),
      ),
    ).toBeUndefined();
    expect(
      assembleFrame(
        d,
        packets.map((p) => ({ ...p, marker: false })),
      ),
    ).toBeUndefined();
  });

  // The loss cases: drop any one packet of a multi-packet frame, and the rest never
  // comes out as that frame.
  for (const [name, payloader, depacketizer, make] of codecs) {
    it(`${name}: never returns a frame with a packet missing`, () => {
      const rng = prng(3);
      let cases = 0;
      for (const size of [300, 2000, 9000]) {
        for (const key of [true, false]) {
          for (const mtu of [100, 400]) {
            const frame = make(rng, size, key);
            const payloads = payloader().packetize(frame, mtu);
            if (payloads.length < 3) continue;
            const d = depacketizer();
            const packets = toPackets(payloads, 100);
            const full = assembleFrame(d, packets);
            expect(full).toBeDefined();
            for (let drop = 0; drop < packets.length; drop++) {
              const rest = packets.filter((_, i) => i !== drop);
              const assembled = assembleFrame(d, rest);
              if (assembled !== undefined) {
                // Only leading parameter sets or a sequence header can go unnoticed, and what is
                // left is then a whole picture; the gap after the previous frame shows the loss.
                expect(drop).toBe(0);
                expect(['H264', 'AV1']).toContain(name);
                expect(Buffer.from(full!).subarray(full!.length - assembled.length)).toEqual(
                  Buffer.from(assembled),
                );
              }
              // The payload list alone: losing the first or the last packet always shows.
              if (drop === packets.length - 1) {
                expect(d.isFrameEnd(rest.at(-1)!.payload, false)).toBe(false);
              }
              cases++;
            }
          }
        }
      }
      expect(cases).toBeGreaterThan(50);
    });
  }
});

import { describe, expect, it } from 'vitest';
import { RtpConfigurationError } from '../errors.js';
import { G711Depacketizer, G711Payloader } from './g711.js';
import { OpusDepacketizer, OpusPayloader } from './opus.js';
import { prng } from './testing-frames.js';

describe('Opus (RFC 7587)', () => {
  const d = new OpusDepacketizer();

  it('sends one packet a frame and gets it back as a copy', () => {
    const frame = Uint8Array.from([0xfc, 0xff, 0xfe]);
    const payloads = new OpusPayloader().packetize(frame, 1200);
    expect(payloads).toEqual([frame]);
    expect(payloads[0]).not.toBe(frame);
    const assembled = d.assemble(payloads)!;
    expect(assembled).toEqual(frame);
    expect(assembled.buffer).not.toBe(payloads[0]!.buffer);
  });

  it('calls every packet a keyframe, a start and an end', () => {
    const p = Uint8Array.of(0x78);
    expect([d.isFrameStart(p), d.isFrameEnd(p, false), d.isKeyframe(p)]).toEqual([
      true,
      true,
      true,
    ]);
  });

  it('rejects no payload, two payloads and an empty one', () => {
    expect(d.assemble([])).toBeUndefined();
    expect(d.assemble([Uint8Array.of(1), Uint8Array.of(2)])).toBeUndefined();
    expect(d.assemble([new Uint8Array(0)])).toBeUndefined();
  });

  it('throws for an empty frame and one larger than a payload', () => {
    const p = new OpusPayloader();
    expect(() => p.packetize(new Uint8Array(0), 1200)).toThrow(RtpConfigurationError);
    expect(() => p.packetize(new Uint8Array(1201), 1200)).toThrow(RtpConfigurationError);
    expect(() => p.packetize(new Uint8Array(10), Number.NaN)).toThrow(RtpConfigurationError);
  });
});

describe('G.711 (RFC 3551 §4.5.14)', () => {
  it('splits 20 ms packets of 160 samples by default', () => {
    const rng = prng(1);
    const frame = Uint8Array.from({ length: 480 }, () => rng.byte());
    const payloads = new G711Payloader().packetize(frame, 1200);
    expect(payloads.map((p) => p.length)).toEqual([160, 160, 160]);
    expect(new G711Depacketizer().assemble(payloads)).toEqual(frame);
  });

  it('respects the payload limit and a custom packet size', () => {
    const frame = new Uint8Array(1000).fill(0xd5);
    expect(new G711Payloader().packetize(frame, 100).map((p) => p.length)).toEqual(
      Array(10).fill(100),
    );
    expect(new G711Payloader({ samplesPerPacket: 240 }).packetize(frame, 1200).length).toBe(5);
  });

  it('round-trips every size and keeps every payload a frame of its own', () => {
    const d = new G711Depacketizer();
    for (const size of [1, 159, 160, 161, 8000]) {
      const frame = new Uint8Array(size).map((_, i) => i);
      const payloads = new G711Payloader().packetize(frame, 1200);
      expect(d.assemble(payloads)).toEqual(frame);
      for (const p of payloads) {
        expect([d.isFrameStart(p), d.isFrameEnd(p, false), d.isKeyframe(p)]).toEqual([
          true,
          true,
          true,
        ]);
        expect(d.assemble([p])).toEqual(p);
      }
    }
    expect(d.assemble([])).toBeUndefined();
    expect(d.assemble([Uint8Array.of(1), new Uint8Array(0)])).toBeUndefined();
  });

  it('throws for invalid options and input', () => {
    expect(() => new G711Payloader({ samplesPerPacket: 0 })).toThrow(RtpConfigurationError);
    expect(() => new G711Payloader({ samplesPerPacket: 1.5 })).toThrow(RtpConfigurationError);
    expect(() => new G711Payloader().packetize(new Uint8Array(0), 100)).toThrow(
      RtpConfigurationError,
    );
    expect(() => new G711Payloader().packetize(new Uint8Array(10), 0)).toThrow(
      RtpConfigurationError,
    );
  });
});

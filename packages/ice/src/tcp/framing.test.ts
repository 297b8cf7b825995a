/**
 * RFC 4571 framing: frames whole in a chunk, split across chunks (down to one byte at a
 * time), several per chunk, empty ones skipped, and reading stopped by the handler.
 */
import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameReader, MAX_FRAME_PAYLOAD } from './framing.js';

function frames(stream: Buffer, cut: (i: number) => number): { got: Buffer[]; empty: number } {
  const reader = new FrameReader();
  const got: Buffer[] = [];
  for (let i = 0, at = 0; at < stream.length; i++) {
    const end = Math.min(stream.length, at + cut(i));
    reader.push(stream.subarray(at, end), (f) => {
      got.push(Buffer.from(f));
      return true;
    });
    at = end;
  }
  expect(reader.pendingBytes).toBe(0);
  return { got, empty: reader.emptyFrames };
}

describe('RFC 4571 framing', () => {
  const payloads = [
    Buffer.from('a'),
    Buffer.alloc(0),
    Buffer.alloc(1500, 7),
    Buffer.alloc(MAX_FRAME_PAYLOAD, 9),
    Buffer.from([0, 1, 2]),
  ];
  const stream = Buffer.concat(payloads.map((p) => encodeFrame(p)));
  const expected = payloads.filter((p) => p.length > 0);

  it('puts the length in front, big-endian', () => {
    expect([...encodeFrame(Buffer.from([0xaa, 0xbb]))]).toEqual([0, 2, 0xaa, 0xbb]);
    expect(encodeFrame(Buffer.alloc(MAX_FRAME_PAYLOAD)).readUInt16BE(0)).toBe(0xffff);
  });

  it('reads the frames back whatever the chunking: whole, 1 byte, 3 bytes, 1000 bytes', () => {
    for (const size of [stream.length, 1, 3, 1000, 65_536]) {
      const { got, empty } = frames(stream, () => size);
      expect(got).toEqual(expected);
      expect(empty).toBe(1);
    }
  });

  it('reads the frames back when chunks of varying sizes cut the length field too', () => {
    const sizes = [1, 2, 5, 1499, 3, 70_000, 1, 1, 2];
    const { got } = frames(stream, (i) => sizes[i % sizes.length]!);
    expect(got).toEqual(expected);
  });

  it('stops reading the chunk when the handler says so', () => {
    const reader = new FrameReader();
    const got: number[] = [];
    reader.push(
      Buffer.concat([encodeFrame(Buffer.from([1])), encodeFrame(Buffer.from([2]))]),
      (f) => {
        got.push(f[0]!);
        return false;
      },
    );
    expect(got).toEqual([1]);
  });

  it('holds at most one frame of a stream that never completes it', () => {
    const reader = new FrameReader();
    reader.push(Buffer.from([0xff, 0xff]), () => true);
    for (let i = 0; i < 100; i++) reader.push(Buffer.alloc(600), () => true);
    expect(reader.pendingBytes).toBe(2 + 60_000);
  });
});

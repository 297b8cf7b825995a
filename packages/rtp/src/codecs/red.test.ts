import { describe, expect, it } from 'vitest';
import { RtpConfigurationError } from '../errors.js';
import { parseRtp, type RtpPacket } from '../packet/rtp-packet.js';
import { serializeRtp } from '../packet/serialize.js';
import { prng } from './testing-frames.js';
import { buildRedPayload, parseRedPayload, unwrapRedPacket } from './red.js';

const OPUS = 111;
const RED = 63;
const bytes = (...xs: number[]) => Uint8Array.from(xs);

function redPacket(seq: number, ts: number, payload: Uint8Array): RtpPacket {
  const p = parseRtp(
    serializeRtp({ payloadType: RED, sequenceNumber: seq, timestamp: ts, ssrc: 7, payload }),
  );
  if (typeof p === 'string') throw new Error(p);
  return p;
}

describe('RED (RFC 2198)', () => {
  it('reads the blocks of a payload with two redundant encodings (RFC 2198 §3 layout)', () => {
    // F=1 pt 111, offset 1920 (0x780), length 3; F=1 pt 111, offset 960, length 2; F=0 pt 111.
    const payload = bytes(
      0xef,
      0x1e,
      0x00,
      0x03,
      0xef,
      0x0f,
      0x00,
      0x02,
      0x6f,
      1,
      2,
      3,
      4,
      5,
      6,
      7,
      8,
      9,
    );
    const blocks = parseRedPayload(payload);
    expect(blocks).toEqual([
      { payloadType: OPUS, timestampOffset: 1920, payload: bytes(1, 2, 3) },
      { payloadType: OPUS, timestampOffset: 960, payload: bytes(4, 5) },
      { payloadType: OPUS, timestampOffset: 0, payload: bytes(6, 7, 8, 9) },
    ]);
    expect(
      buildRedPayload(
        { payloadType: OPUS, payload: bytes(6, 7, 8, 9) },
        (blocks as never[]).slice(0, 2),
      ),
    ).toEqual(payload);
  });

  it('unwraps a packet into the frames it carries, with the sequence numbers and timestamps they were sent with', () => {
    const payload = buildRedPayload({ payloadType: OPUS, payload: bytes(9, 9) }, [
      { payloadType: OPUS, timestampOffset: 960, payload: bytes(8) },
    ]);
    const packets = unwrapRedPacket(redPacket(0, 500, payload), OPUS);
    if (typeof packets === 'string') throw new Error(packets);
    expect(
      packets.map((p) => [p.payloadType, p.sequenceNumber, p.timestamp, [...p.payload]]),
    ).toEqual([
      [OPUS, 0xffff, (500 - 960) >>> 0, [8]], // wraps back across 0
      [OPUS, 0, 500, [9, 9]],
    ]);
    // Blocks of another payload type (or empty ones) are not the codec's frames.
    const other = buildRedPayload({ payloadType: OPUS, payload: bytes(1) }, [
      { payloadType: 13, timestampOffset: 960, payload: bytes(2) },
      { payloadType: OPUS, timestampOffset: 480, payload: bytes() },
    ]);
    expect(
      (unwrapRedPacket(redPacket(10, 5000, other), OPUS) as RtpPacket[]).map(
        (p) => p.sequenceNumber,
      ),
    ).toEqual([10]);
  });

  it('refuses malformed payloads with a reason and never throws on random bytes', () => {
    expect(parseRedPayload(bytes())).toBe('empty');
    expect(parseRedPayload(bytes(0x80, 0, 0))).toBe('truncated-header');
    expect(parseRedPayload(bytes(0x80, 0, 0, 5, 0x6f, 1, 2))).toBe('truncated-block');
    const rng = prng(3);
    for (let i = 0; i < 20_000; i++) {
      const payload = new Uint8Array(rng.int(40));
      for (let k = 0; k < payload.length; k++) payload[k] = rng.int(256);
      expect(() => unwrapRedPacket(redPacket(i & 0xffff, i, payload), OPUS)).not.toThrow();
    }
  });

  it('throws RtpConfigurationError for a block it cannot describe', () => {
    expect(() =>
      buildRedPayload({ payloadType: OPUS, payload: bytes(1) }, [
        { payloadType: OPUS, timestampOffset: 0x4000, payload: bytes(1) },
      ]),
    ).toThrow(RtpConfigurationError);
  });
});

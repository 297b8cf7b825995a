import { describe, expect, it } from 'vitest';
import { RtpConfigurationError } from '../errors.js';
import { parseRtp, type RtpPacket } from '../packet/rtp-packet.js';
import { serializeRtp } from '../packet/serialize.js';
import { OutboundRtpStream } from '../session/outbound-stream.js';
import { OpusPayloader } from './opus.js';
import { prng } from './testing-frames.js';
import {
  buildRedPayload,
  parseRedPayload,
  RedEncoder,
  RedPayloader,
  unwrapRedPacket,
} from './red.js';

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

/** An Opus-like frame of `size` bytes whose bytes say which frame it is. */
const frame = (n: number, size = 4) => new Uint8Array(size).fill(n & 0xff);

/** The frames a RED packet stands for, as `[sequence number, timestamp, first byte, length]`. */
function unwrapped(seq: number, ts: number, payload: Uint8Array): number[][] {
  const packets = unwrapRedPacket(redPacket(seq, ts, payload), OPUS);
  if (typeof packets === 'string') throw new Error(packets);
  return packets.map((p) => [p.sequenceNumber, p.timestamp, p.payload[0]!, p.payload.length]);
}

describe('RedEncoder (RFC 2198, sending)', () => {
  it('repeats the previous payload by default; unwrapRedPacket gives back every frame with its numbers', () => {
    const red = new RedEncoder({ payloadType: OPUS });
    expect(red.distance).toBe(1);
    const out: number[][][] = [];
    // Across the wrap of both the sequence number and the timestamp.
    for (let i = 0; i < 4; i++) {
      const seq = (0xfffe + i) & 0xffff;
      const ts = (0xffff_fc40 + 960 * i) >>> 0;
      out.push(unwrapped(seq, ts, red.encode(frame(i), { sequenceNumber: seq, timestamp: ts })));
    }
    expect(out).toEqual([
      [[0xfffe, 0xffff_fc40, 0, 4]], // the first packet: nothing to repeat yet
      [
        [0xfffe, 0xffff_fc40, 0, 4],
        [0xffff, 0, 1, 4],
      ],
      [
        [0xffff, 0, 1, 4],
        [0, 960, 2, 4],
      ],
      [
        [0, 960, 2, 4],
        [1, 1920, 3, 4],
      ],
    ]);
    expect(red.stats).toEqual({
      payloads: 4,
      redundantBlocks: 3,
      skippedOffset: 0,
      skippedLength: 0,
      skippedSize: 0,
      skippedGap: 0,
    });
  });

  it('repeats up to `distance` earlier payloads, oldest first; distance 0 wraps without redundancy', () => {
    const red = new RedEncoder({ payloadType: OPUS, distance: 3 });
    let last: Uint8Array = new Uint8Array();
    for (let i = 0; i < 6; i++)
      last = red.encode(frame(i, 3 + i), { sequenceNumber: 100 + i, timestamp: 960 * i });
    expect(unwrapped(105, 960 * 5, last)).toEqual([
      [102, 1920, 2, 5],
      [103, 2880, 3, 6],
      [104, 3840, 4, 7],
      [105, 4800, 5, 8],
    ]);
    expect(parseRedPayload(last)).toMatchObject([
      { timestampOffset: 2880 },
      { timestampOffset: 1920 },
      { timestampOffset: 960 },
      { timestampOffset: 0 },
    ]);
    const none = new RedEncoder({ payloadType: OPUS, distance: 0 });
    none.encode(frame(1), { sequenceNumber: 1, timestamp: 0 });
    const only = none.encode(frame(2), { sequenceNumber: 2, timestamp: 960 });
    expect([...only]).toEqual([OPUS, 2, 2, 2, 2]);
    expect(() => new RedEncoder({ payloadType: OPUS, distance: 4 })).toThrow(RtpConfigurationError);
    expect(() => new RedEncoder({ payloadType: 128 })).toThrow(RtpConfigurationError);
  });

  it('leaves out a payload too far back for a 14-bit offset (an Opus DTX pause), and resumes after', () => {
    const red = new RedEncoder({ payloadType: OPUS, distance: 2 });
    const at = (seq: number, ts: number, n: number) =>
      unwrapped(seq, ts, red.encode(frame(n), { sequenceNumber: seq, timestamp: ts }));
    at(10, 0, 0);
    at(11, 960, 1);
    // Opus DTX: 400 ms without a packet (19 200 ticks > 2^14 − 1), the numbering goes on.
    expect(at(12, 960 + 19_200, 2)).toEqual([[12, 20_160, 2, 4]]);
    // The next one repeats frame 2 only: frame 1 is still too far back, and nothing older
    // than it may follow (a block's distance is its position).
    expect(at(13, 21_120, 3)).toEqual([
      [12, 20_160, 2, 4],
      [13, 21_120, 3, 4],
    ]);
    // The largest offset that fits goes (16 383 ticks), one tick more does not.
    const edge = new RedEncoder({ payloadType: OPUS });
    edge.encode(frame(0), { sequenceNumber: 0, timestamp: 0 });
    expect(
      parseRedPayload(edge.encode(frame(1), { sequenceNumber: 1, timestamp: 0x3fff })),
    ).toHaveLength(2);
    expect(
      parseRedPayload(edge.encode(frame(2), { sequenceNumber: 2, timestamp: 0x3fff + 0x4000 })),
    ).toHaveLength(1);
    // A payload of the same timestamp (offset 0) is no earlier frame either.
    expect(
      parseRedPayload(edge.encode(frame(3), { sequenceNumber: 3, timestamp: 0x3fff + 0x4000 })),
    ).toHaveLength(1);
    expect(red.stats.skippedOffset).toBe(2);
    expect(edge.stats.skippedOffset).toBe(2);
  });

  it('leaves out a payload of 1024 bytes or more (10-bit length) and one past the size limit', () => {
    const red = new RedEncoder({ payloadType: OPUS, distance: 2 });
    red.encode(frame(0, 1023), { sequenceNumber: 0, timestamp: 0 });
    red.encode(frame(1, 1024), { sequenceNumber: 1, timestamp: 960 });
    // Frame 1 cannot be described, so frame 0 (which could) is not sent either.
    const p2 = red.encode(frame(2, 10), { sequenceNumber: 2, timestamp: 1920 });
    expect(unwrapped(2, 1920, p2)).toEqual([[2, 1920, 2, 10]]);
    const p3 = red.encode(frame(3, 10), { sequenceNumber: 3, timestamp: 2880 });
    // 1 + 10 primary + 4 + 10 for frame 2; frame 1 too long.
    expect(unwrapped(3, 2880, p3)).toEqual([
      [2, 1920, 2, 10],
      [3, 2880, 3, 10],
    ]);
    expect(red.stats.skippedLength).toBe(2);
    // The size limit: the primary always goes, redundancy only in the room left.
    const sized = new RedEncoder({ payloadType: OPUS, distance: 2 });
    sized.encode(frame(0, 100), { sequenceNumber: 0, timestamp: 0 });
    sized.encode(frame(1, 100), { sequenceNumber: 1, timestamp: 960 });
    expect(sized.encode(frame(2, 100), { sequenceNumber: 2, timestamp: 1920 }, 205)).toHaveLength(
      205,
    );
    const tight = sized.encode(frame(3, 100), { sequenceNumber: 3, timestamp: 2880 }, 204);
    expect(unwrapped(3, 2880, tight)).toEqual([[3, 2880, 3, 100]]);
    expect(sized.encode(frame(4, 300), { sequenceNumber: 4, timestamp: 3840 }, 200)).toHaveLength(
      301,
    );
    // Frame 0 behind frame 1 at 205 bytes, frame 2 at 204, frame 3 at 200.
    expect(sized.stats.skippedSize).toBe(3);
  });

  it('repeats nothing across a packet that was not its own (a telephone event took the number)', () => {
    const red = new RedEncoder({ payloadType: OPUS });
    red.encode(frame(0), { sequenceNumber: 50, timestamp: 0 });
    // 51 went out as an RFC 4733 event: the receiver would read a block at distance 1 as 51.
    const p = red.encode(frame(1), { sequenceNumber: 52, timestamp: 960 });
    expect(unwrapped(52, 960, p)).toEqual([[52, 960, 1, 4]]);
    expect(red.stats.skippedGap).toBe(1);
    red.reset();
    const afterReset = red.encode(frame(2), { sequenceNumber: 53, timestamp: 1920 });
    expect(unwrapped(53, 1920, afterReset)).toEqual([[53, 1920, 2, 4]]);
    expect(red.stats.skippedGap).toBe(1);
  });

  it('never makes a payload that does not parse, whatever the sizes, offsets and numbers', () => {
    const rng = prng(20);
    const red = new RedEncoder({ payloadType: OPUS, distance: 3 });
    let seq = 0;
    let ts = 0;
    for (let i = 0; i < 5000; i++) {
      seq = (seq + (rng.int(8) === 0 ? 2 : 1)) & 0xffff;
      ts = (ts + [0, 960, 960, 960, 19_200, 16_383][rng.int(6)]!) >>> 0;
      const size = 1 + rng.int(rng.int(10) === 0 ? 1400 : 200);
      const limit = 100 + rng.int(1200);
      const payload = red.encode(frame(i, size), { sequenceNumber: seq, timestamp: ts }, limit);
      const blocks = parseRedPayload(payload);
      if (typeof blocks === 'string') throw new Error(blocks);
      expect(blocks.at(-1)!.payload.length).toBe(size);
      expect(payload.length <= Math.max(limit, 1 + size)).toBe(true);
      for (const b of blocks.slice(0, -1)) {
        expect(b.timestampOffset).toBeGreaterThan(0);
        expect(b.timestampOffset).toBeLessThanOrEqual(0x3fff);
      }
    }
  });

  it('wraps a packet being forwarded: its numbers, marker and CSRCs, RED’s payload type', () => {
    const red = new RedEncoder({ payloadType: OPUS });
    const opusPacket = (seq: number, ts: number, n: number) => {
      const p = parseRtp(
        serializeRtp({
          payloadType: OPUS,
          sequenceNumber: seq,
          timestamp: ts,
          ssrc: 9,
          marker: n === 0,
          csrcs: [5],
          payload: frame(n),
        }),
      );
      if (typeof p === 'string') throw new Error(p);
      return p;
    };
    red.wrap(opusPacket(7, 100, 0), RED);
    const wrapped = red.wrap(opusPacket(8, 1060, 1), RED);
    expect([wrapped.payloadType, wrapped.sequenceNumber, wrapped.timestamp, wrapped.ssrc]).toEqual([
      RED,
      8,
      1060,
      9,
    ]);
    expect(wrapped.csrcs).toEqual([5]);
    expect(unwrapped(8, 1060, wrapped.payload)).toEqual([
      [7, 100, 0, 4],
      [8, 1060, 1, 4],
    ]);
  });
});

describe('RedPayloader in an OutboundRtpStream', () => {
  it('sends each Opus frame once as primary and once as redundancy, numbered as plain Opus would be', () => {
    const sent: RtpPacket[] = [];
    const stream = new OutboundRtpStream({
      ssrc: 0x1234,
      payloadType: RED,
      clockRate: 48_000,
      kind: 'audio',
      payloader: new RedPayloader(new OpusPayloader(), { payloadType: OPUS }),
      initialSequenceNumber: 0xffff,
      timestampOffset: 5,
      send: (bytes) => {
        const p = parseRtp(bytes);
        if (typeof p === 'string') throw new Error(p);
        sent.push(p);
      },
    });
    for (let i = 0; i < 5; i++) stream.sendFrame(frame(i, 60), { rtpTimestamp: 960 * i }, i * 20);
    // An RFC 4733 event between frames takes a number: the next frame repeats nothing.
    stream.sendPayload(Uint8Array.of(1, 0, 0, 160), { payloadType: 110, rtpTimestamp: 5 }, 100);
    stream.sendFrame(frame(5, 60), { rtpTimestamp: 960 * 5 }, 100);
    stream.sendFrame(frame(6, 60), { rtpTimestamp: 960 * 6 }, 120);
    const red = sent.filter((p) => p.payloadType === RED);
    expect(red.map((p) => p.sequenceNumber)).toEqual([0xffff, 0, 1, 2, 3, 5, 6]);
    const frames = red.map((p) => {
      const packets = unwrapRedPacket(p, OPUS);
      if (typeof packets === 'string') throw new Error(packets);
      return packets.map((q) => [q.sequenceNumber, q.timestamp - 5, q.payload[0]]);
    });
    expect(frames).toEqual([
      [[0xffff, 0, 0]],
      [
        [0xffff, 0, 0],
        [0, 960, 1],
      ],
      [
        [0, 960, 1],
        [1, 1920, 2],
      ],
      [
        [1, 1920, 2],
        [2, 2880, 3],
      ],
      [
        [2, 2880, 3],
        [3, 3840, 4],
      ],
      [[5, 4800, 5]],
      [
        [5, 4800, 5],
        [6, 5760, 6],
      ],
    ]);
    // The counters are of what went on the wire: RED payload bytes, one frame per sendFrame.
    const stats = stream.stats;
    expect(stats.framesSent).toBe(7);
    expect(stats.packetsSent).toBe(8);
    expect(stats.bytesSent).toBe(sent.reduce((n, p) => n + p.payload.length, 0));
    expect(stats.bytesSent).toBe(7 * 61 + 5 * 64 + 4);
  });

  it('keeps a frame that fits plain Opus within the packet as RED, without redundancy if need be', () => {
    const sizes: number[] = [];
    const stream = new OutboundRtpStream({
      ssrc: 1,
      payloadType: RED,
      clockRate: 48_000,
      kind: 'audio',
      maxPacketSize: 200,
      payloader: new RedPayloader(new OpusPayloader(), { payloadType: OPUS }),
      send: (bytes) => sizes.push(bytes.length),
    });
    // 12-byte header: 188 bytes of payload, 187 for the Opus frame.
    stream.sendFrame(frame(0, 187), { rtpTimestamp: 0 }, 0);
    stream.sendFrame(frame(1, 100), { rtpTimestamp: 960 }, 20);
    stream.sendFrame(frame(2, 80), { rtpTimestamp: 1920 }, 40);
    expect(sizes).toEqual([200, 12 + 101, 12 + 1 + 4 + 100 + 80]);
    expect(() => stream.sendFrame(frame(3, 188), { rtpTimestamp: 2880 }, 60)).toThrow(
      RtpConfigurationError,
    );
  });

  it('without a position, sends RED without redundancy', () => {
    const payloader = new RedPayloader(new OpusPayloader(), { payloadType: OPUS });
    expect([...payloader.packetize(frame(1, 2), 100)[0]!]).toEqual([OPUS, 1, 1]);
    expect([...payloader.packetize(frame(2, 2), 100)[0]!]).toEqual([OPUS, 2, 2]);
  });
});

import { describe, expect, it } from 'vitest';
import { RtpConfigurationError } from '../errors.js';
import { serializeRtcp } from './compound.js';
import { parseTwcc, type RtcpTwcc, statusChunks, type TwccPacketStatus } from './twcc.js';

const feedback = (packets: TwccPacketStatus[], base = 0): RtcpTwcc => ({
  kind: 'twcc',
  senderSsrc: 1,
  mediaSsrc: 2,
  baseSequenceNumber: base,
  referenceTime: 0,
  feedbackPacketCount: 0,
  packets,
});
const received = (seq: number, deltaUs: number, arrivalTimeUs: number): TwccPacketStatus => ({
  sequenceNumber: seq,
  received: true,
  deltaUs,
  arrivalTimeUs,
});

describe('TWCC feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1)', () => {
  it('writes the fixed fields, a run-length chunk and small deltas, zero-padded', () => {
    const p: RtcpTwcc = {
      ...feedback([received(0xffff, 250, 250), received(0, 63750, 64000)], 0xffff),
      referenceTime: 0xabcdef,
      feedbackPacketCount: 255,
    };
    // 20 bytes fixed, chunk 0x2002 (run of 2 small), deltas 01 ff: 24 bytes, no padding.
    expect(serializeRtcp(p).toString('hex')).toBe(
      '8fcd0005' + '00000001' + '00000002' + 'ffff0002' + 'abcdefff' + '2002' + '01ff',
    );
    // One delta more needs one byte of data and three of zero padding.
    const q = { ...p, packets: [...p.packets, received(1, 0, 0xabcdef * 64000 + 64000)] };
    expect(serializeRtcp(q).subarray(20).toString('hex')).toBe('2003' + '01ff00' + '000000');
    const back = parseTwcc(serializeRtcp(p));
    expect(back).toEqual({
      ...p,
      packets: [
        received(0xffff, 250, 0xabcdef * 64000 + 250),
        received(0, 63750, 0xabcdef * 64000 + 64000),
      ],
    });
  });

  it('writes large and negative deltas as two signed bytes in a two-bit vector', () => {
    const p = feedback([
      received(0, 0, 0),
      { sequenceNumber: 1, received: false },
      received(2, -250, -250),
      received(3, 256 * 250, 63750),
      received(4, 0x7fff * 250, 0),
      received(5, -0x8000 * 250, 0),
    ]);
    const bytes = serializeRtcp(p);
    // Symbols 1 0 2 2 2 2 in a two-bit vector: 11 01 00 10 10 10 10 00 = 0xd2a8.
    expect(bytes.subarray(20, 22).toString('hex')).toBe('d2a8');
    expect(bytes.subarray(22, 31).toString('hex')).toBe('00' + 'ffff' + '0100' + '7fff' + '8000');
    const back = parseTwcc(bytes);
    expect(typeof back !== 'string' && back.packets.map((s) => s.deltaUs)).toEqual([
      0,
      undefined,
      -250,
      64000,
      0x7fff * 250,
      -0x8000 * 250,
    ]);
  });

  it('decodes and re-encodes random feedback', () => {
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let run = 0; run < 300; run++) {
      const base = Math.floor(rand() * 65536);
      const n = 1 + Math.floor(rand() * 200);
      let t = 0;
      const packets: TwccPacketStatus[] = [];
      for (let i = 0; i < n; i++) {
        const seq = (base + i) & 0xffff;
        const r = rand();
        if (r < 0.3) packets.push({ sequenceNumber: seq, received: false });
        else {
          const ticks = r < 0.9 ? Math.floor(rand() * 256) : Math.floor(rand() * 65536) - 32768;
          t += ticks * 250;
          packets.push(received(seq, ticks * 250, t));
        }
      }
      const p = feedback(packets, base);
      expect(parseTwcc(serializeRtcp(p))).toEqual(p);
    }
  });

  it('chooses chunks as libwebrtc does', () => {
    const S = 1;
    const L = 2;
    expect(statusChunks(new Array(100).fill(S))).toEqual([0x2064]);
    expect(statusChunks(new Array(8191).fill(0))).toEqual([0x1fff]);
    expect(statusChunks(new Array(8192).fill(S))).toEqual([0x3fff, 0x2001]);
    // 14 symbols without a large delta: one one-bit vector.
    expect(statusChunks([S, S, S, 0, S, 0, 0, 0, 0, 0, 0, 0, 0, 0])).toEqual([0xba00]);
    // Seven mixed with a large, then a run: a two-bit vector of 7, then a run.
    expect(statusChunks([S, S, S, S, S, 0, L, 0, 0])).toEqual([0xd552, 0x0002]);
    // A run of 20 small then a large: the run is emitted whole; the last one is a run of 1.
    expect(statusChunks([...new Array(20).fill(S), L])).toEqual([0x2014, 0x4001]);
    // Up to 7 mixed at the end: a short two-bit vector.
    expect(statusChunks([L, S])).toEqual([0xc000 | (L << 12) | (S << 10)]);
    expect(statusChunks([])).toEqual([]);
  });

  it('refuses reserved symbols, missing chunks and missing deltas', () => {
    const hdr = '8fcd0005000000010000000200000001000000';
    expect(parseTwcc(Buffer.from(`${hdr}0060010000`, 'hex'))).toBe('malformed-body'); // run of symbol 3
    expect(parseTwcc(Buffer.from(`${hdr}00f0000000`, 'hex'))).toBe('malformed-body'); // 2-bit symbol 3
    expect(
      parseTwcc(Buffer.from('8fcd0004000000010000000200000002000000002001', 'hex').subarray(0, 20)),
    ).toBe('truncated'); // no chunk
    expect(
      parseTwcc(
        Buffer.from(
          '8fcd0005' + '0000000100000002' + '00000002' + '00000000' + '2002' + '01' + '00',
          'hex',
        ),
      ),
    ).toEqual(expect.objectContaining({ packets: [received(0, 250, 250), received(1, 0, 250)] }));
    expect(
      parseTwcc(
        Buffer.from(
          '8fcd0005' + '0000000100000002' + '00000003' + '00000000' + '4003' + '0100',
          'hex',
        ),
      ),
    ).toBe('truncated');
    expect(
      parseTwcc(Buffer.from('8fcd0004' + '0000000100000002' + '00000003' + '00000000', 'hex')),
    ).toBe('truncated');
  });

  it('throws for a delta that fits no receive delta and for too many packets', () => {
    expect(() => serializeRtcp(feedback([received(0, 0x8000 * 250, 0)]))).toThrow(
      RtpConfigurationError,
    );
    expect(() => serializeRtcp(feedback([received(0, -0x8001 * 250, 0)]))).toThrow(
      RtpConfigurationError,
    );
    expect(() =>
      serializeRtcp(feedback(new Array(65536).fill({ sequenceNumber: 0, received: false }))),
    ).toThrow(RtpConfigurationError);
  });
});

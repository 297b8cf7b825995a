import { describe, expect, it } from 'vitest';
import { RtpConfigurationError } from '../errors.js';
import { serializeRtcp } from './compound.js';
import { parseTwcc, type RtcpTwcc } from './twcc.js';
import { buildTwccFeedback, type TwccArrival } from './twcc-builder.js';

const opts = { senderSsrc: 1, mediaSsrc: 2, feedbackPacketCount: 254 };
const wire = (p: RtcpTwcc): RtcpTwcc => {
  const back = parseTwcc(serializeRtcp(p));
  if (typeof back === 'string') throw new Error(back);
  return back;
};

describe('buildTwccFeedback', () => {
  it('sets the reference time to the first arrival rounded down to 64 ms and rounds deltas to 250 µs', () => {
    const t0 = 10 * 64_000 + 1_000;
    const [fb, ...rest] = buildTwccFeedback(
      [
        { sequenceNumber: 10, arrivalTimeUs: t0 },
        { sequenceNumber: 11, arrivalTimeUs: t0 + 125 }, // half a tick: rounds away from zero
        { sequenceNumber: 12, arrivalTimeUs: t0 + 5_100 },
      ],
      opts,
    );
    expect(rest).toEqual([]);
    expect(fb).toMatchObject({
      baseSequenceNumber: 10,
      referenceTime: 10,
      feedbackPacketCount: 254,
    });
    expect(fb!.packets.map((p) => p.deltaUs)).toEqual([1000, 250, 4750]);
    // Accumulated, the rounding does not drift: 1000 + 250 + 4750 = 6000 ≈ 1000 + 5100.
    expect(fb!.packets.map((p) => p.arrivalTimeUs)).toEqual([641_000, 641_250, 646_000]);
    expect(wire(fb!)).toEqual(fb);
  });

  it('reports the packets missing between arrivals as not received, across the 16-bit wrap', () => {
    const arrivals: TwccArrival[] = [65533, 65535, 2].map((s, i) => ({
      sequenceNumber: s,
      arrivalTimeUs: i * 1000,
    }));
    const [fb] = buildTwccFeedback(arrivals, opts);
    expect(fb!.baseSequenceNumber).toBe(65533);
    expect(fb!.packets.map((p) => [p.sequenceNumber, p.received])).toEqual([
      [65533, true],
      [65534, false],
      [65535, true],
      [0, false],
      [1, false],
      [2, true],
    ]);
    expect(wire(fb!)).toEqual(fb);
  });

  it('sorts arrivals by sequence number and drops duplicates; negative deltas are large', () => {
    const [fb] = buildTwccFeedback(
      [
        { sequenceNumber: 3, arrivalTimeUs: 64_000 },
        { sequenceNumber: 1, arrivalTimeUs: 70_000 },
        { sequenceNumber: 2, arrivalTimeUs: 69_000 },
        { sequenceNumber: 2, arrivalTimeUs: 99_000 },
      ],
      opts,
    );
    expect(fb!.baseSequenceNumber).toBe(1);
    expect(fb!.packets.map((p) => p.deltaUs)).toEqual([6000, -1000, -5000]);
    expect(serializeRtcp(fb!).subarray(20, 22).readUInt16BE()).toBe(
      0xc000 | (1 << 12) | (2 << 10) | (2 << 8),
    );
    expect(wire(fb!)).toEqual(fb);
  });

  it('splits when a delta does not fit 16 signed bits of 250 µs, counting feedback packets on', () => {
    const arrivals: TwccArrival[] = [
      { sequenceNumber: 100, arrivalTimeUs: 0 },
      { sequenceNumber: 101, arrivalTimeUs: 8_191_750 }, // 32767 ticks: still fits
      { sequenceNumber: 102, arrivalTimeUs: 8_191_750 + 8_192_000 }, // 32768 ticks: does not
      { sequenceNumber: 104, arrivalTimeUs: 8_191_750 + 8_192_000 + 250 },
    ];
    const fbs = buildTwccFeedback(arrivals, opts);
    expect(fbs.map((f) => [f.baseSequenceNumber, f.feedbackPacketCount, f.packets.length])).toEqual(
      [
        [100, 254, 2],
        [102, 255, 3],
      ],
    );
    expect(fbs[0]!.packets[1]!.deltaUs).toBe(8_191_750);
    expect(fbs[1]!.referenceTime).toBe(Math.floor(16_383_750 / 64_000));
    for (const f of fbs) expect(wire(f)).toEqual(f);
    // A third split wraps the 8-bit count.
    const three = buildTwccFeedback(
      [...arrivals, { sequenceNumber: 105, arrivalTimeUs: 1e9 }],
      opts,
    );
    expect(three.map((f) => f.feedbackPacketCount)).toEqual([254, 255, 0]);
  });

  it('wraps the 24-bit reference time', () => {
    const t = 0x1000001 * 64_000 + 500;
    const [fb] = buildTwccFeedback([{ sequenceNumber: 0, arrivalTimeUs: t }], opts);
    expect(fb!.referenceTime).toBe(1);
    expect(fb!.packets[0]!.arrivalTimeUs).toBe(64_500);
    expect(wire(fb!)).toEqual(fb);
  });

  it('returns nothing for no arrivals, and throws for bad arguments', () => {
    expect(buildTwccFeedback([], opts)).toEqual([]);
    expect(() => buildTwccFeedback([{ sequenceNumber: 65536, arrivalTimeUs: 0 }], opts)).toThrow(
      RtpConfigurationError,
    );
    expect(() =>
      buildTwccFeedback([{ sequenceNumber: 1, arrivalTimeUs: Number.NaN }], opts),
    ).toThrow(RtpConfigurationError);
    expect(() => buildTwccFeedback([], { ...opts, feedbackPacketCount: 256 })).toThrow(
      RtpConfigurationError,
    );
  });
});

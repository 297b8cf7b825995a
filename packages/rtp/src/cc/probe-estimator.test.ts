import { describe, expect, it } from 'vitest';
import { ProbeBitrateEstimator, type ProbeEstimate } from './probe-estimator.js';

/**
 * Sends `n` packets of `size` bytes of cluster 1, `gapMs` apart, and reports them received
 * `arrivalGapMs` apart (after 50 ms), except those in `lost`. Returns the last estimate given.
 */
function cluster(
  e: ProbeBitrateEstimator,
  o: { n: number; size: number; gapMs: number; arrivalGapMs: number; lost?: readonly number[] },
): ProbeEstimate | undefined {
  for (let i = 0; i < o.n; i++) e.onPacketSent(1, o.size, 1000 + i * o.gapMs);
  let last: ProbeEstimate | undefined;
  for (let i = 0; i < o.n; i++) {
    if (o.lost?.includes(i)) continue;
    last =
      e.onPacketFeedback({
        clusterId: 1,
        sendTimeMs: 1000 + i * o.gapMs,
        arrivalTimeMs: 1050 + i * o.arrivalGapMs,
        sizeBytes: o.size,
      }) ?? last;
  }
  return last;
}

describe('ProbeBitrateEstimator (libwebrtc goog_cc)', () => {
  it('on an unsaturated path: the send rate, without the last packet', () => {
    const e = new ProbeBitrateEstimator();
    // 6 × 1000 bytes, 4 ms apart: 5000 bytes in 20 ms = 2 Mb/s, received the same way.
    const r = cluster(e, { n: 6, size: 1000, gapMs: 4, arrivalGapMs: 4 });
    expect(r).toMatchObject({ valid: true, clusterId: 1, bitrateBps: 2_000_000 });
    expect(e.takeResult()).toBe(2_000_000);
    expect(e.takeResult()).toBeUndefined();
  });

  it('on a saturated link: 0.95 × the receive rate, without the first packet', () => {
    const e = new ProbeBitrateEstimator();
    // Sent at 2 Mb/s, arriving 8 ms apart: 1 Mb/s, under 0.9 × 2 Mb/s.
    const r = cluster(e, { n: 6, size: 1000, gapMs: 4, arrivalGapMs: 8 });
    expect(r).toMatchObject({
      valid: true,
      sendBitrateBps: 2_000_000,
      receiveBitrateBps: 1_000_000,
    });
    expect(e.takeResult()).toBeCloseTo(950_000, 0);
  });

  it('slightly slower arrival (over 0.9 × the send rate): the receive rate', () => {
    const e = new ProbeBitrateEstimator();
    const r = cluster(e, { n: 6, size: 1000, gapMs: 4, arrivalGapMs: 4.2 });
    expect(r?.valid).toBe(true);
    expect(e.takeResult()).toBeCloseTo((5000 * 8000) / 21, 0);
  });

  it('waits for 80 % of the packets sent, and of the minimum packets', () => {
    const e = new ProbeBitrateEstimator();
    // 10 sent, 3 lost: 7 < 8 reported.
    expect(cluster(e, { n: 10, size: 1000, gapMs: 4, arrivalGapMs: 4, lost: [1, 4, 7] })).toBe(
      undefined,
    );
    const f = new ProbeBitrateEstimator({ minPackets: 5 });
    // 3 sent, 3 received: under 0.8 × 5 packets.
    expect(cluster(f, { n: 3, size: 1000, gapMs: 4, arrivalGapMs: 4 })).toBeUndefined();
    expect(f.takeResult()).toBeUndefined();
    // 2 of 10 lost is still 80 %.
    const g = new ProbeBitrateEstimator();
    expect(cluster(g, { n: 10, size: 1000, gapMs: 4, arrivalGapMs: 4, lost: [3, 6] })?.valid).toBe(
      true,
    );
  });

  it('refuses a zero or over-1-s interval, and a receive rate over 2 × the send rate', () => {
    const burst = new ProbeBitrateEstimator();
    expect(cluster(burst, { n: 5, size: 1000, gapMs: 0, arrivalGapMs: 4 })).toMatchObject({
      valid: false,
      reason: 'bad-interval',
    });
    const slow = new ProbeBitrateEstimator();
    expect(cluster(slow, { n: 5, size: 1000, gapMs: 300, arrivalGapMs: 300 })).toMatchObject({
      valid: false,
      reason: 'bad-interval',
    });
    const compressed = new ProbeBitrateEstimator();
    expect(cluster(compressed, { n: 6, size: 1000, gapMs: 10, arrivalGapMs: 4 })).toMatchObject({
      valid: false,
      reason: 'bad-ratio',
    });
    expect(compressed.takeResult()).toBeUndefined();
    expect(compressed.lastEstimate).toMatchObject({ valid: false, reason: 'bad-ratio' });
  });

  it('ignores packets of clusters it never saw sent, and forgets clusters after 1 s', () => {
    const e = new ProbeBitrateEstimator();
    expect(
      e.onPacketFeedback({ clusterId: 9, sendTimeMs: 0, arrivalTimeMs: 50, sizeBytes: 1000 }),
    ).toBeUndefined();
    for (let i = 0; i < 5; i++) e.onPacketSent(1, 1000, i * 4);
    e.onPacketSent(2, 1000, 2000); // 1 s after cluster 1: it is forgotten
    for (let i = 0; i < 5; i++) {
      expect(
        e.onPacketFeedback({
          clusterId: 1,
          sendTimeMs: i * 4,
          arrivalTimeMs: 50 + i * 4,
          sizeBytes: 1000,
        }),
      ).toBeUndefined();
    }
  });
});

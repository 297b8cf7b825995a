import { describe, expect, it } from 'vitest';
import { buildTwccFeedback } from '../rtcp/twcc-builder.js';
import { SendSideBandwidthEstimator } from './send-side-bwe.js';

interface Run {
  readonly bwe: SendSideBandwidthEstimator;
  seq: number;
  fbCount: number;
}

/**
 * Sends `rateBps` in 1000-byte packets for `ms`, the link delivering each after `oneWay(t)` ms
 * (lost when `lost(seq)`), with feedback every 100 ms arriving 50 ms later.
 */
function run(
  r: Run,
  from: number,
  ms: number,
  rateBps: number,
  oneWay: (t: number) => number,
  lost: (seq: number) => boolean = () => false,
): void {
  const gap = (1000 * 8 * 1000) / rateBps;
  let pending: { sequenceNumber: number; arrivalTimeUs: number }[] = [];
  let nextFb = from + 100;
  for (let t = from; t < from + ms; t += gap) {
    const seq = r.seq++ & 0xffff;
    r.bwe.onPacketSent({ transportSequenceNumber: seq, sizeBytes: 1000, sendTimeMs: t });
    if (!lost(r.seq - 1))
      pending.push({ sequenceNumber: seq, arrivalTimeUs: Math.round((t + oneWay(t)) * 1000) });
    if (t >= nextFb) {
      const fbs = buildTwccFeedback(pending, {
        senderSsrc: 1,
        feedbackPacketCount: r.fbCount & 0xff,
      });
      r.fbCount += fbs.length;
      for (const fb of fbs) r.bwe.onTransportFeedback(fb, t + 50);
      pending = [];
      nextFb += 100;
    }
  }
}

describe('SendSideBandwidthEstimator (GCC from TWCC)', () => {
  it('starts at the start bitrate and refuses inconsistent bounds', () => {
    expect(new SendSideBandwidthEstimator().targetBitrateBps).toBe(300_000);
    expect(
      () => new SendSideBandwidthEstimator({ minBitrateBps: 500_000, startBitrateBps: 100_000 }),
    ).toThrow(/min ≤ start ≤ max/);
  });

  it('increases while the delay is flat, decreases when it grows', () => {
    const r: Run = {
      bwe: new SendSideBandwidthEstimator({ startBitrateBps: 1_000_000 }),
      seq: 65000,
      fbCount: 0,
    };
    run(r, 0, 5000, 1_000_000, () => 50);
    const up = r.bwe.targetBitrateBps;
    expect(up).toBeGreaterThan(1_000_000);
    expect(r.bwe.details.acknowledgedBitrateBps! / 1_000_000).toBeCloseTo(1, 1);
    expect(r.bwe.bandwidthUsage).toBe('normal');
    // A queue builds: 40 ms more delay each second.
    run(r, 5000, 1000, 1_000_000, (t) => 50 + (t - 5000) * 0.04);
    expect(r.bwe.details.rateControlState).not.toBe('increase');
    expect(r.bwe.targetBitrateBps).toBeLessThan(0.9 * up);
    expect(r.bwe.targetBitrateBps).toBeGreaterThan(0.5 * 1_000_000); // 0.85 × acknowledged, once per RTT
    expect(r.bwe.details.feedbackLost).toBe(0);
    expect(r.bwe.details.roundTripTimeMs).toBeGreaterThan(100);
  });

  it('does not mistake jitter and reordering for congestion', () => {
    let a = 12345;
    const random = () => {
      a = (Math.imul(a, 1103515245) + 12345) >>> 0;
      return a / 2 ** 32;
    };
    const r: Run = {
      bwe: new SendSideBandwidthEstimator({ startBitrateBps: 1_000_000 }),
      seq: 0,
      fbCount: 0,
    };
    run(r, 0, 10_000, 1_000_000, () => 50 + random() * 15); // up to 15 ms: packets 8 ms apart reorder
    expect(r.bwe.targetBitrateBps).toBeGreaterThan(1_400_000);
  });

  it('cuts on heavy loss: rate × (1 − 0.5 × loss)', () => {
    const r: Run = {
      bwe: new SendSideBandwidthEstimator({ startBitrateBps: 1_000_000 }),
      seq: 0,
      fbCount: 0,
    };
    run(
      r,
      0,
      2000,
      1_000_000,
      () => 50,
      (s) => s % 5 === 0,
    ); // 20 %
    expect(r.bwe.details.fractionLost).toBeCloseTo(0.2, 1);
    expect(r.bwe.targetBitrateBps).toBeLessThan(0.75 * 1_000_000);
    expect(r.bwe.details.lossBasedBitrateBps).toBe(r.bwe.targetBitrateBps);
  });

  it('never goes above a REMB', () => {
    const bwe = new SendSideBandwidthEstimator({ startBitrateBps: 1_000_000 });
    bwe.onRemb(400_000);
    expect(bwe.targetBitrateBps).toBe(400_000);
    expect(bwe.details.rembBitrateBps).toBe(400_000);
  });

  it('counts feedback packets missing by their count, ignores statuses it never sent', () => {
    const bwe = new SendSideBandwidthEstimator();
    bwe.onPacketSent({ transportSequenceNumber: 1, sizeBytes: 100, sendTimeMs: 0 });
    const [a] = buildTwccFeedback([{ sequenceNumber: 1, arrivalTimeUs: 1000 }], {
      senderSsrc: 1,
      feedbackPacketCount: 254,
    });
    const [b] = buildTwccFeedback([{ sequenceNumber: 500, arrivalTimeUs: 2000 }], {
      senderSsrc: 1,
      feedbackPacketCount: 1,
    });
    bwe.onTransportFeedback(a!, 100);
    bwe.onTransportFeedback(b!, 200);
    expect(bwe.details.feedbackReceived).toBe(2);
    expect(bwe.details.feedbackLost).toBe(2); // 255 and 0
    expect(bwe.targetBitrateBps).toBe(300_000);
  });

  it('uses a given round-trip time', () => {
    const bwe = new SendSideBandwidthEstimator();
    bwe.onRoundTripTime(80);
    expect(bwe.details.roundTripTimeMs).toBe(80);
  });
});

describe('SendSideBandwidthEstimator with probes (libwebrtc goog_cc)', () => {
  /**
   * 300 kb/s for 1 s (1000-byte packets, 50 ms one way), then a probe cluster of 6 packets of
   * 1000 bytes 4 ms apart (2 Mb/s) arriving `probeArrivalGapMs` apart, then a feedback.
   */
  function probe(probeArrivalGapMs: number, delayGrowth = 0): SendSideBandwidthEstimator {
    const r: Run = { bwe: new SendSideBandwidthEstimator(), seq: 0, fbCount: 0 };
    run(r, 0, 1000, 300_000, (t) => 50 + t * delayGrowth);
    const arrivals: { sequenceNumber: number; arrivalTimeUs: number }[] = [];
    for (let i = 0; i < 6; i++) {
      const seq = r.seq++ & 0xffff;
      const t = 1000 + i * 4;
      r.bwe.onPacketSent({
        transportSequenceNumber: seq,
        sizeBytes: 1000,
        sendTimeMs: t,
        probeClusterId: 1,
      });
      arrivals.push({
        sequenceNumber: seq,
        arrivalTimeUs: Math.round((1050 + 1000 * delayGrowth + i * probeArrivalGapMs) * 1000),
      });
    }
    const [fb] = buildTwccFeedback(arrivals, { senderSsrc: 1, feedbackPacketCount: r.fbCount });
    r.bwe.onTransportFeedback(fb!, 1150);
    return r.bwe;
  }

  it('jumps to a probe result: both estimates and the target', () => {
    const before = new SendSideBandwidthEstimator().targetBitrateBps;
    const bwe = probe(4); // received as sent: 5000 bytes in 20 ms
    expect(before).toBe(300_000);
    expect(bwe.details.probeBitrateBps).toBe(2_000_000);
    expect(bwe.targetBitrateBps).toBe(2_000_000);
    expect(bwe.details.delayBasedBitrateBps).toBe(2_000_000);
    expect(bwe.details.lossBasedBitrateBps).toBe(2_000_000);
  });

  it('takes 0.95 × the receive rate of a probe that saturated the link', () => {
    const bwe = probe(8); // 1 Mb/s received
    expect(bwe.details.probeBitrateBps).toBeCloseTo(950_000, -3);
    expect(bwe.targetBitrateBps).toBeCloseTo(950_000, -3);
  });

  it('ignores a probe result while over-using', () => {
    const bwe = probe(4, 0.1); // the delay grows 100 ms a second
    expect(bwe.bandwidthUsage).toBe('overusing');
    expect(bwe.details.probeBitrateBps).toBeUndefined();
    expect(bwe.targetBitrateBps).toBeLessThan(300_000);
  });

  it('a probe result under the estimate lowers it to 0.85 × the acknowledged rate at most', () => {
    const r: Run = {
      bwe: new SendSideBandwidthEstimator({ startBitrateBps: 1_000_000 }),
      seq: 0,
      fbCount: 0,
    };
    run(r, 0, 2000, 1_000_000, () => 50);
    const estimate = r.bwe.details.delayBasedBitrateBps;
    const arrivals: { sequenceNumber: number; arrivalTimeUs: number }[] = [];
    for (let i = 0; i < 6; i++) {
      const seq = r.seq++ & 0xffff;
      r.bwe.onPacketSent({
        transportSequenceNumber: seq,
        sizeBytes: 200,
        sendTimeMs: 2000 + i * 8, // 200 kb/s
        probeClusterId: 4,
      });
      arrivals.push({ sequenceNumber: seq, arrivalTimeUs: (2050 + i * 8) * 1000 });
    }
    const [fb] = buildTwccFeedback(arrivals, { senderSsrc: 1, feedbackPacketCount: r.fbCount });
    r.bwe.onTransportFeedback(fb!, 2150);
    const ack = r.bwe.details.acknowledgedBitrateBps!; // with the probe's packets
    expect(ack).toBeGreaterThan(600_000);
    expect(estimate).toBeGreaterThan(1_000_000);
    expect(r.bwe.details.probeBitrateBps).toBeCloseTo(Math.min(estimate, 0.85 * ack), -3);
    expect(r.bwe.targetBitrateBps).toBe(r.bwe.details.probeBitrateBps);
  });
});

/**
 * The estimator, the pacer and the TWCC recorder together over a virtual bottleneck link, on
 * simulated time: a FIFO queue served at a capacity that changes (2 Mb/s, 500 kb/s at 20 s,
 * 2 Mb/s again at 40 s), 50 ms of propagation each way, a drop-tail queue limit, optional
 * seeded random loss. Feedback is serialized and parsed on its way back.
 */

import { describe, expect, it } from 'vitest';
import { serializeRtcp } from '../rtcp/compound.js';
import { parseTwcc } from '../rtcp/twcc.js';
import { Pacer } from './pacer.js';
import { SendSideBandwidthEstimator } from './send-side-bwe.js';
import type { TrendlineOptions } from './trendline.js';
import { TwccRecorder } from './twcc-recorder.js';
import { BottleneckLink } from './testing-bottleneck.js';
import { seededRandom } from '../testing-random.js';

const seeded = seededRandom;

interface Sample {
  readonly t: number;
  readonly target: number;
  readonly capacity: number;
  readonly queueMs: number;
}

/** Runs the sender → link → receiver → feedback loop for `durationMs`; samples every 100 ms. */
function simulate(options: {
  lossRate: number;
  seed: number;
  durationMs: number;
  trendline?: TrendlineOptions;
}): Sample[] {
  const capacityBps = (t: number) => (t < 20_000 ? 2_000_000 : t < 40_000 ? 500_000 : 2_000_000);
  const random = seeded(options.seed);
  const link = new BottleneckLink({
    capacityBps,
    propagationMs: 50,
    queueLimitBytes: 60_000,
    lossRate: options.lossRate,
    random,
  });
  const bwe = new SendSideBandwidthEstimator({
    startBitrateBps: 1_000_000,
    minBitrateBps: 50_000,
    maxBitrateBps: 5_000_000,
    ...(options.trendline === undefined ? {} : { trendline: options.trendline }),
  });
  const pacer = new Pacer<{ size: number }>({ targetBitrateBps: bwe.targetBitrateBps });
  const recorder = new TwccRecorder({ senderSsrc: 1, mediaSsrc: 2 });
  const frameMs = 1000 / 30;
  let nextFrame = 0;
  let tseq = 0;
  const inFlight: { at: number; seq: number; size: number }[] = []; // FIFO: arrivals in order
  const feedback: { at: number; bytes: Uint8Array }[] = [];
  const samples: Sample[] = [];
  let nextSample = 0;
  let lastQueueMs = 0;
  let t = 0;
  while (t < options.durationMs) {
    if (t >= nextSample) {
      samples.push({
        t,
        target: bwe.targetBitrateBps,
        capacity: capacityBps(t),
        queueMs: lastQueueMs,
      });
      nextSample += 100;
    }
    if (t >= nextFrame) {
      // An encoder that follows the target: one frame of target / 30 in 1200-byte packets.
      let bytes = Math.round(bwe.targetBitrateBps / 8 / 30);
      while (bytes > 0) {
        const size = Math.min(1200, bytes);
        pacer.enqueue({ size }, size, 'video', t);
        bytes -= size;
      }
      nextFrame += frameMs;
    }
    for (const p of pacer.process(t)) {
      const seq = tseq++ & 0xffff;
      bwe.onPacketSent({ transportSequenceNumber: seq, sizeBytes: p.size, sendTimeMs: t });
      const r = link.send(t, p.size);
      if (r !== undefined) {
        inFlight.push({ at: r.arrivalMs, seq, size: p.size });
        lastQueueMs = r.queueMs;
      }
    }
    while (inFlight.length > 0 && inFlight[0]!.at <= t) {
      const a = inFlight.shift()!;
      recorder.record(a.seq, a.at, a.size);
    }
    const due = recorder.nextDeadline();
    if (due !== undefined && due <= t) {
      for (const fb of recorder.feedback(t))
        feedback.push({ at: t + 50, bytes: serializeRtcp(fb) });
    }
    while (feedback.length > 0 && feedback[0]!.at <= t) {
      const fb = parseTwcc(feedback.shift()!.bytes);
      if (typeof fb === 'string') throw new Error(fb);
      bwe.onTransportFeedback(fb, t);
      pacer.setTargetBitrate(bwe.targetBitrateBps);
    }
    // Next event: the earliest of the frame, the pacer, an arrival, the recorder, a feedback.
    const next = Math.min(
      nextFrame,
      nextSample,
      pacer.nextDeadline() ?? Number.POSITIVE_INFINITY,
      inFlight[0]?.at ?? Number.POSITIVE_INFINITY,
      recorder.nextDeadline() ?? Number.POSITIVE_INFINITY,
      feedback[0]?.at ?? Number.POSITIVE_INFINITY,
    );
    t = Math.max(next, t + 0.25); // never stand still; 250 µs is TWCC's resolution
  }
  return samples;
}

function between(samples: readonly Sample[], from: number, to: number): Sample[] {
  return samples.filter((s) => s.t >= from && s.t < to);
}

/** The first time at or after `from` from which the target stays within [lo, hi] × capacity until `to`. */
function settledAt(
  samples: readonly Sample[],
  from: number,
  to: number,
  lo: number,
  hi: number,
): number | undefined {
  const win = between(samples, from, to);
  let at: number | undefined;
  for (const s of win) {
    const ok = s.target >= lo * s.capacity && s.target <= hi * s.capacity;
    if (!ok) at = undefined;
    else at ??= s.t;
  }
  return at;
}

function ratios(
  samples: readonly Sample[],
  from: number,
  to: number,
): { min: number; max: number } {
  const r = between(samples, from, to).map((s) => s.target / s.capacity);
  return { min: Math.min(...r), max: Math.max(...r) };
}

function queue(
  samples: readonly Sample[],
  from: number,
  to: number,
): { max: number; mean: number } {
  const q = between(samples, from, to).map((s) => s.queueMs);
  return { max: Math.max(...q), mean: q.reduce((a, b) => a + b, 0) / q.length };
}

describe('congestion control on a virtual bottleneck (2 Mb/s → 500 kb/s at 20 s → 2 Mb/s at 40 s, 100 ms RTT)', () => {
  // Figures of this run (seed 1, no loss; also in the README): from 1 Mb/s the target is
  // within 70–110 % of 2 Mb/s from 10.8 s (8 %/s). The drop is seen 0.6 s after it (831 kb/s)
  // and the target is 429 kb/s (86 %) at 20.8 s, then stays within 76–106 % of 500 kb/s. After
  // the rise it takes 16.4 s to reach 70 % (additive increase near the old capacity, then
  // 8 %/s: probing, which makes this faster in libwebrtc, is not done). The queue: 16 ms on
  // average and 83 ms at most at 2 Mb/s; the drop fills the 60 KB queue (935 ms at 500 kb/s),
  // which is under 100 ms again 6 s later and then 6 ms on average, 41 ms at most.
  const clean = simulate({ lossRate: 0, seed: 1, durationMs: 60_000 });

  it('settles within 70–110 % of the capacity: 11 s from 1 Mb/s, 1.5 s after the drop', () => {
    expect(settledAt(clean, 0, 20_000, 0.7, 1.1)).toBeLessThanOrEqual(11_000);
    expect(settledAt(clean, 20_000, 40_000, 0.7, 1.1)).toBeLessThanOrEqual(21_500);
    expect(ratios(clean, 21_000, 40_000).min).toBeGreaterThanOrEqual(0.7);
  });

  it('climbs back after the rise at 8 %/s without probing: 70 % within 18 s', () => {
    expect(settledAt(clean, 40_000, 60_000, 0.7, 1.1)).toBeLessThanOrEqual(58_000);
    // Never below what it held before the rise (no collapse while the link has room).
    expect(Math.min(...between(clean, 40_000, 60_000).map((s) => s.target))).toBeGreaterThan(
      400_000,
    );
  });

  it('keeps the queue short once adapted', () => {
    expect(queue(clean, 5_000, 20_000).max).toBeLessThan(100);
    expect(queue(clean, 20_000, 40_000).max).toBeLessThan(1_000); // the drop fills the 60 KB queue once
    expect(queue(clean, 27_000, 40_000).max).toBeLessThan(60);
    expect(queue(clean, 27_000, 40_000).mean).toBeLessThan(30);
    expect(queue(clean, 40_000, 60_000).max).toBeLessThan(60);
  });

  // With 5 % random loss (between the 2 % and 10 % thresholds of gcc-02 §6, so the loss-based
  // estimate mostly holds, as libwebrtc's classic loss controller does): 76–97 % of 2 Mb/s
  // after 10 s; the drop is followed at once (420 kb/s at 20.8 s), 66–114 % of 500 kb/s then;
  // after the rise the climb is slower (1.15 Mb/s, 57 %, at 60 s).
  const lossy = simulate({ lossRate: 0.05, seed: 7, durationMs: 60_000 });

  it('with 5 % random loss: follows the drop within 2 s and never collapses', () => {
    expect(ratios(lossy, 5_000, 20_000).min).toBeGreaterThanOrEqual(0.45);
    expect(ratios(lossy, 22_000, 40_000).max).toBeLessThanOrEqual(1.15);
    expect(ratios(lossy, 22_000, 40_000).min).toBeGreaterThanOrEqual(0.6);
    expect(Math.min(...between(lossy, 40_000, 60_000).map((s) => s.target))).toBeGreaterThan(
      350_000,
    );
    expect(queue(lossy, 27_000, 60_000).max).toBeLessThan(100);
  });

  it("with gcc-02's k_u = 0.01, k_d = 0.00018 the threshold stays high: overshoot and queue (why the defaults are libwebrtc's)", () => {
    const draft = simulate({
      lossRate: 0,
      seed: 1,
      durationMs: 40_000,
      trendline: { kUp: 0.01, kDown: 0.00018 },
    });
    expect(ratios(draft, 27_000, 40_000).max).toBeGreaterThan(1.15);
    expect(queue(draft, 27_000, 40_000).max).toBeGreaterThan(300);
    expect(ratios(clean, 27_000, 40_000).max).toBeLessThan(1.1);
  });

  it('is deterministic', () => {
    const again = simulate({ lossRate: 0.05, seed: 7, durationMs: 5_000 });
    expect(again).toEqual(between(lossy, 0, 5_000));
  });
});

import { describe, expect, it } from 'vitest';
import type { RtpPayloadView } from '../codecs/depacketizer.js';
import { Vp8Depacketizer } from '../codecs/vp8.js';
import { JitterBuffer } from './jitter-buffer.js';
import type { JitterFrame } from './jitter-buffer-options.js';
import {
  type TestingFrame,
  testingDepacketizer,
  testingFrame,
  testingPackets,
  testingPrng,
} from './testing-depacketizer.js';

interface Scenario {
  readonly seed: number;
  readonly frames: number;
  readonly loss: number;
  readonly duplicate: number;
  /** Extra one-way delay, uniform in [0, jitterMs): reorders packets. */
  readonly jitterMs: number;
  readonly targetLatencyMs: number;
  readonly requiresKeyframeAfterLoss: boolean;
  /** Round-trip time of the simulated NACK loop; undefined: no retransmissions. */
  readonly rttMs?: number;
}

/**
 * A 30 fps stream of frames of 1 to 6 packets (a keyframe every 60), starting just before the
 * 16-bit sequence and 32-bit timestamp wraps, sent through a lossy, reordering, duplicating
 * path into a jitter buffer that the loop drives like its owner would: push on arrival, pop
 * at arrivals and at `nextDeadline()`, and a NACK loop (every 10 ms, from `missing()`) that
 * asks the sender for retransmissions which take one RTT and can be lost too. The sender
 * ignores keyframe requests: after an unrecovered loss, video resumes at the next keyframe.
 */
function run(s: Scenario) {
  const rand = testingPrng(s.seed);
  const originals: TestingFrame[] = [];
  const firstSeqs: number[] = [];
  const bySeq = new Map<number, RtpPayloadView>();
  const arrivals: RtpPayloadView[][] = [];
  const deliver = (p: RtpPayloadView, at: number) => {
    if (rand() < s.loss) return;
    const t = Math.floor(at + 10 + rand() * s.jitterMs);
    (arrivals[t] ??= []).push(p);
    if (rand() < s.duplicate) (arrivals[t + Math.floor(rand() * 40)] ??= []).push(p);
  };
  let seq = 65_400;
  for (let i = 0; i < s.frames; i++) {
    const f = testingFrame(i, 0xffff_0000 + i * 3000, i % 60 === 0, 1 + Math.floor(rand() * 18));
    originals.push(f);
    firstSeqs.push(seq & 0xffff);
    const count = Math.min(f.data.length, 1 + Math.floor(rand() * 6));
    const sendAt = i * (100 / 3);
    testingPackets(f, seq, count).forEach((p, k) => {
      bySeq.set(p.sequenceNumber, p);
      deliver(p, sendAt + k);
    });
    seq += count;
  }
  const jb = new JitterBuffer({
    depacketizer: testingDepacketizer,
    clockRate: 90_000,
    targetLatencyMs: s.targetLatencyMs,
    requiresKeyframeAfterLoss: s.requiresKeyframeAfterLoss,
    maxPackets: 256,
  });
  const out: JitterFrame[] = [];
  const popTimes: number[] = [];
  const nackedAt = new Map<number, number>();
  let timer: number | undefined;
  let maxHeld = 0;
  const end = s.frames * 34 + 2000;
  for (let now = 0; now < end; now++) {
    for (const p of arrivals[now] ?? []) jb.push(p, now);
    if (s.rttMs !== undefined && now % 10 === 0) {
      for (const m of jb.missing(now)) {
        // Reordering tolerance first; then at most once per RTT plus the path's jitter.
        const last = nackedAt.get(m.extendedSequenceNumber);
        if (m.ageMs < 15 || (last !== undefined && now - last < s.rttMs + s.jitterMs)) continue;
        nackedAt.set(m.extendedSequenceNumber, now);
        deliver(bySeq.get(m.sequenceNumber)!, now + s.rttMs - 10);
      }
    }
    if (arrivals[now] !== undefined || (timer !== undefined && timer <= now)) {
      for (const f of jb.pop(now)) {
        out.push(f);
        popTimes.push(now);
      }
      timer = jb.nextDeadline();
    }
    if (jb.bufferedPackets > maxHeld) maxHeld = jb.bufferedPackets;
  }
  expect(maxHeld).toBeLessThanOrEqual(256);
  return { jb, out, popTimes, originals, firstSeqs };
}

/** Every frame released is an original frame, whole, in order, once. */
function checkFrames(r: ReturnType<typeof run>, keyframeAfterGap: boolean): number[] {
  const index = new Map(r.originals.map((f, i) => [f.timestamp, i]));
  const indices: number[] = [];
  for (const f of r.out) {
    const i = index.get(f.timestamp);
    expect(i).toBeDefined();
    const o = r.originals[i!]!;
    expect(f.data).toEqual(o.data);
    expect(f.keyframe).toBe(o.keyframe);
    expect(f.firstSequenceNumber).toBe(r.firstSeqs[i!]);
    if (indices.length > 0) {
      const prev = indices[indices.length - 1]!;
      expect(i!).toBeGreaterThan(prev);
      // After a frame was skipped, video resumes only on a keyframe.
      if (keyframeAfterGap && i! > prev + 1) expect(o.keyframe).toBe(true);
    }
    indices.push(i!);
  }
  expect(r.jb.stats.framesEmitted).toBe(r.out.length);
  return indices;
}

describe('JitterBuffer under random loss, reordering and duplication', () => {
  for (const seed of [1, 2, 3, 4]) {
    it(`video with NACK recovery, seed ${seed}`, () => {
      const r = run({
        seed,
        frames: 1500,
        loss: 0.05,
        duplicate: 0.03,
        jitterMs: 40,
        targetLatencyMs: 400,
        requiresKeyframeAfterLoss: true,
        rttMs: 60,
      });
      const indices = checkFrames(r, true);
      // Losses within the latency are recovered by retransmission: nearly every frame plays.
      expect(indices.length).toBeGreaterThan(1500 * 0.97);
      expect(r.jb.stats.duplicates).toBeGreaterThan(0);
      // Frames come out at their playout time when the owner follows nextDeadline().
      const onTime = r.out.filter(
        (f, k) => r.popTimes[k] === Math.max(Math.ceil(f.playoutMs), Math.ceil(f.completeMs)),
      );
      expect(onTime.length).toBeGreaterThan(r.out.length * 0.97);
    });
  }

  for (const seed of [5, 6, 7]) {
    it(`video without retransmissions, seed ${seed}`, () => {
      const r = run({
        seed,
        frames: 1500,
        loss: 0.03,
        duplicate: 0.05,
        jitterMs: 60,
        targetLatencyMs: 80,
        requiresKeyframeAfterLoss: true,
      });
      checkFrames(r, true);
      expect(r.jb.stats.lost).toBeGreaterThan(0);
      expect(r.jb.stats.keyframesRequested).toBeGreaterThan(0);
    });
  }

  for (const seed of [8, 9]) {
    it(`no keyframe rule, target latency 0, seed ${seed}`, () => {
      const r = run({
        seed,
        frames: 1500,
        loss: 0.1,
        duplicate: 0.1,
        jitterMs: 30,
        targetLatencyMs: 0,
        requiresKeyframeAfterLoss: false,
      });
      const indices = checkFrames(r, false);
      expect(indices.length).toBeGreaterThan(100);
      expect(r.jb.stats.keyframesRequested).toBe(0);
    });
  }
});

describe('JitterBuffer fed garbage', () => {
  it('never throws, stays bounded and releases only what the depacketizer assembled', () => {
    const rand = testingPrng(99);
    const jb = new JitterBuffer({
      depacketizer: new Vp8Depacketizer(),
      clockRate: 90_000,
      targetLatencyMs: 50,
      requiresKeyframeAfterLoss: true,
      maxPackets: 64,
    });
    let seq = 0;
    let ts = 0;
    let released = 0;
    for (let i = 0; i < 50_000; i++) {
      // Mostly a plausible stream, with jumps, repeats and random bytes mixed in.
      const r = rand();
      seq =
        r < 0.9 ? seq + 1 : r < 0.95 ? Math.floor(rand() * 65536) : seq - Math.floor(rand() * 200);
      ts = rand() < 0.3 ? ts + 3000 : rand() < 0.01 ? Math.floor(rand() * 2 ** 32) : ts;
      let payload = new Uint8Array(Math.floor(rand() * 12));
      for (let k = 0; k < payload.length; k++) payload[k] = Math.floor(rand() * 256);
      if (payload.length > 0 && rand() < 0.5) payload[0] = 0x10; // S=1, PID=0
      let marker = rand() < 0.3;
      if (rand() < 0.2) {
        // A whole VP8 keyframe in one packet (RFC 7741 descriptor, RFC 6386 §9.1 frame tag).
        payload = new Uint8Array([0x10, 0x10, 0, 0, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01]);
        marker = true;
        ts += 3000;
      }
      const p = { sequenceNumber: seq & 0xffff, timestamp: ts >>> 0, marker, payload };
      const now = i + Math.floor(rand() * 20);
      jb.push(p, now);
      for (const f of jb.pop(now)) {
        expect(f.data.length).toBeGreaterThan(0);
        released++;
      }
      if (jb.bufferedPackets > 64) throw new Error('unbounded');
      jb.nextDeadline();
      jb.missing(now);
    }
    const s = jb.stats;
    expect(s.packetsReceived).toBe(50_000);
    expect(s.framesEmitted).toBe(released);
    expect(released).toBeGreaterThan(1000);
    expect(s.resets).toBeGreaterThan(0);
  });
});

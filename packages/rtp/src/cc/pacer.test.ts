import { describe, expect, it } from 'vitest';
import { Pacer } from './pacer.js';

/** Runs the pacer on its own deadlines until `until`; returns [time, packet] pairs. */
function drain<T>(p: Pacer<T>, from: number, until: number): [number, T][] {
  const out: [number, T][] = [];
  let t = from;
  while (t <= until) {
    for (const x of p.process(t)) out.push([t, x]);
    const d = p.nextDeadline();
    if (d === undefined) break;
    t = Math.max(d, t + 0.001);
  }
  return out;
}

describe('Pacer (libwebrtc PacingController)', () => {
  it('paces at 2.5 × the target in bursts of at most 5 ms', () => {
    const p = new Pacer<number>({ targetBitrateBps: 400_000 }); // 1 Mb/s: 125 bytes a ms
    expect(p.pacingRateBps).toBe(1_000_000);
    for (let i = 0; i < 200; i++) p.enqueue(i, 125, 'video', 0);
    const sent = drain(p, 0, 10_000);
    expect(sent.map(([, x]) => x)).toEqual([...Array(200).keys()]);
    const last = sent[sent.length - 1]![0];
    expect(last).toBeGreaterThanOrEqual(190);
    expect(last).toBeLessThanOrEqual(200);
    const perInstant = new Map<number, number>();
    for (const [t] of sent) perInstant.set(t, (perInstant.get(t) ?? 0) + 1);
    expect(Math.max(...perInstant.values())).toBeLessThanOrEqual(5); // 5 ms × 125 bytes
  });

  it('sends audio first, then retransmissions, then video', () => {
    const p = new Pacer<string>({ targetBitrateBps: 100_000 });
    p.enqueue('v1', 100, 'video', 0);
    p.enqueue('r1', 100, 'retransmission', 0);
    p.enqueue('a1', 100, 'audio', 0);
    p.enqueue('v2', 100, 'video', 0);
    p.enqueue('r2', 100, 'retransmission', 0);
    expect(drain(p, 0, 1000).map(([, x]) => x)).toEqual(['a1', 'r1', 'r2', 'v1', 'v2']);
  });

  it('lets audio out at once, outside the budget (libwebrtc: pace_audio off)', () => {
    const p = new Pacer<string>({ targetBitrateBps: 100_000 });
    for (let i = 0; i < 10; i++) p.enqueue(`v${i}`, 1200, 'video', 0);
    p.process(0);
    p.enqueue('a', 100, 'audio', 1);
    expect(p.nextDeadline()).toBe(1);
    expect(p.process(1)).toEqual(['a']);
  });

  it('follows a new target', () => {
    const p = new Pacer<number>({ targetBitrateBps: 100_000 });
    p.setTargetBitrate(1_000_000);
    expect(p.pacingRateBps).toBe(2_500_000);
    expect(() => p.setTargetBitrate(0)).toThrow();
  });

  it('drains a queue older than maxQueueTimeMs faster than the pacing rate', () => {
    const p = new Pacer<number>({ targetBitrateBps: 40_000, maxQueueTimeMs: 500 }); // 100 kb/s
    for (let i = 0; i < 100; i++) p.enqueue(i, 1200, 'video', 0); // 9.6 s at the pacing rate
    const sent = drain(p, 0, 100_000);
    expect(sent).toHaveLength(100);
    expect(sent[sent.length - 1]![0]).toBeLessThan(1000);
  });

  it('drops the oldest video first when full, and never audio for video', () => {
    const p = new Pacer<string>({ targetBitrateBps: 100_000, maxPackets: 3 });
    p.enqueue('a', 100, 'audio', 0);
    p.enqueue('v1', 100, 'video', 0);
    p.enqueue('v2', 100, 'video', 0);
    p.enqueue('r', 100, 'retransmission', 0); // drops v1
    expect(p.dropped).toBe(1);
    p.enqueue('v3', 100, 'video', 0); // drops v2
    p.enqueue('a2', 100, 'audio', 0); // drops v3
    p.enqueue('v4', 100, 'video', 0); // nothing lower: v4 goes
    expect(p.dropped).toBe(4);
    expect(p.queueLength).toBe(3);
    expect(p.queueSizeBytes).toBe(300);
    expect(drain(p, 0, 1000).map(([, x]) => x)).toEqual(['a', 'a2', 'r']);
  });
});

import { describe, expect, it } from 'vitest';
import { AimdRateControl } from './aimd-rate-control.js';

const options = { startBitrateBps: 1_000_000, minBitrateBps: 50_000, maxBitrateBps: 5_000_000 };

describe('AimdRateControl (gcc-02 §5.5, libwebrtc AimdRateControl)', () => {
  it('increases 8 % a second far from congestion, never above 1.5 × acknowledged + 10 kb/s', () => {
    const a = new AimdRateControl(options);
    a.update('normal', 1_000_000, 0); // hold → increase
    expect(a.state).toBe('increase');
    a.update('normal', 1_000_000, 1000);
    expect(a.bitrateBps).toBeCloseTo(1_001_000 * 1.08, 3); // at least 1 kb/s at the first step
    for (let t = 2000; t < 20_000; t += 1000) a.update('normal', 1_000_000, t);
    expect(a.bitrateBps).toBe(1_510_000);
  });

  it('decreases to 0.85 × acknowledged − 5 kb/s on over-use, then holds', () => {
    const a = new AimdRateControl(options);
    a.update('overusing', 800_000, 0);
    expect(a.bitrateBps).toBe(0.85 * 800_000 - 5000);
    expect(a.state).toBe('hold');
    expect(a.linkCapacityBps).toBe(800_000);
    a.update('underusing', 800_000, 100);
    expect(a.state).toBe('hold');
    expect(a.bitrateBps).toBe(0.85 * 800_000 - 5000);
  });

  it('increases additively near the last congestion point', () => {
    const a = new AimdRateControl(options);
    a.update('overusing', 800_000, 0);
    a.update('normal', 700_000, 100);
    const before = a.bitrateBps;
    a.update('normal', 700_000, 1100);
    expect(a.nearConvergence).toBe(true);
    // 675 kb/s at 30 fps: 22.5 kbit frames in 3 packets of 7.5 kbit, per 300 ms (RTT 200 + 100).
    expect(a.bitrateBps - before).toBeCloseTo(7500 / 0.3, -1);
  });

  it('reduces again only once per RTT unless the estimate is twice the acknowledged rate', () => {
    const a = new AimdRateControl(options);
    a.update('overusing', 1_000_000, 0);
    expect(a.timeToReduceFurther(50, 900_000)).toBe(false);
    expect(a.timeToReduceFurther(200, 900_000)).toBe(true);
    expect(a.timeToReduceFurther(50, 300_000)).toBe(true);
  });

  it('stays within min and max', () => {
    const a = new AimdRateControl(options);
    a.update('overusing', 10_000, 0);
    expect(a.bitrateBps).toBe(50_000);
    a.setEstimate(9e9, 0);
    expect(a.bitrateBps).toBe(5_000_000);
  });
});

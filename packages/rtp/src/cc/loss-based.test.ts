import { describe, expect, it } from 'vitest';
import { LossBasedEstimator } from './loss-based.js';

describe('LossBasedEstimator (gcc-02 §6)', () => {
  it('waits for 20 packets before it has a loss figure', () => {
    const l = new LossBasedEstimator({ startBitrateBps: 1_000_000 });
    l.onPacketResults(5, 10);
    expect(l.fractionLost).toBeUndefined();
    expect(l.update(0, Number.POSITIVE_INFINITY, 100)).toBe(1_000_000);
    l.onPacketResults(0, 10);
    expect(l.fractionLost).toBe(0.25);
  });

  it('increases 8 % a second below 2 % loss', () => {
    const l = new LossBasedEstimator({ startBitrateBps: 1_000_000 });
    l.onPacketResults(0, 100);
    let v = 0;
    for (let t = 0; t <= 1000; t += 100) v = l.update(t, Number.POSITIVE_INFINITY, 100);
    // From the lowest value of the last second: 1 s of growth, not 10 steps compounded.
    expect(v).toBe(1_000_000 * 1.08 + 1000);
  });

  it('after reset (a probe), increases from the new value, not from the lowest of the last second', () => {
    const l = new LossBasedEstimator({ startBitrateBps: 300_000 });
    l.onPacketResults(0, 100);
    l.update(0, Number.POSITIVE_INFINITY, 100);
    l.setEstimate(2_000_000);
    expect(l.update(100, Number.POSITIVE_INFINITY, 100)).toBe(Math.round(300_000 * 1.08) + 1000);
    l.reset(2_000_000);
    expect(l.update(200, Number.POSITIVE_INFINITY, 100)).toBe(2_000_000 * 1.08 + 1000);
  });

  it('holds between 2 % and 10 %', () => {
    const l = new LossBasedEstimator({ startBitrateBps: 1_000_000 });
    l.onPacketResults(5, 100);
    for (let t = 0; t <= 5000; t += 100) l.update(t, Number.POSITIVE_INFINITY, 100);
    expect(l.bitrateBps).toBe(1_000_000);
  });

  it('cuts to rate × (1 − 0.5 × loss) above 10 %, once per 300 ms + RTT and loss report', () => {
    const l = new LossBasedEstimator({ startBitrateBps: 1_000_000 });
    l.onPacketResults(20, 100);
    expect(l.update(0, Number.POSITIVE_INFINITY, 100)).toBe(900_000);
    expect(l.update(500, Number.POSITIVE_INFINITY, 100)).toBe(900_000); // same report
    l.onPacketResults(20, 100);
    expect(l.update(300, Number.POSITIVE_INFINITY, 100)).toBe(900_000); // too soon
    expect(l.update(400, Number.POSITIVE_INFINITY, 100)).toBe(810_000);
  });

  it('is capped by the delay-based estimate', () => {
    const l = new LossBasedEstimator({ startBitrateBps: 1_000_000 });
    expect(l.update(0, 600_000, 100)).toBe(600_000);
  });
});

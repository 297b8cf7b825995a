import { describe, expect, it } from 'vitest';
import { LinkCapacityEstimator } from './link-capacity.js';

describe('LinkCapacityEstimator (libwebrtc AIMD link capacity)', () => {
  it('averages the rates at over-use and bounds them by 3 deviations', () => {
    const c = new LinkCapacityEstimator();
    expect(c.estimateBps).toBeUndefined();
    expect(c.upperBoundBps).toBe(Number.POSITIVE_INFINITY);
    c.onOveruseDetected(1_000_000);
    expect(c.estimateBps).toBe(1_000_000);
    c.onOveruseDetected(800_000);
    expect(c.estimateBps).toBeCloseTo(990_000, 0);
    expect(c.upperBoundBps).toBeGreaterThan(990_000);
    expect(c.lowerBoundBps).toBeLessThan(990_000);
    c.reset();
    expect(c.estimateBps).toBeUndefined();
  });
});

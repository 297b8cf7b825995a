import { describe, expect, it } from 'vitest';
import { linearFitSlope, TrendlineEstimator } from './trendline.js';

function feed(t: TrendlineEstimator, n: number, extraDelayPerGroupMs: number, start = 0) {
  let state = t.state;
  for (let i = 0; i < n; i++) state = t.update(20 + extraDelayPerGroupMs, 20, start + (i + 1) * 20);
  return state;
}

describe('TrendlineEstimator (gcc-02 §5.3–5.4, libwebrtc trendline)', () => {
  it('fits a least-squares slope', () => {
    expect(
      linearFitSlope([
        { x: 0, y: 1 },
        { x: 1, y: 3 },
        { x: 2, y: 5 },
      ]),
    ).toBe(2);
    expect(
      linearFitSlope([
        { x: 1, y: 1 },
        { x: 1, y: 3 },
      ]),
    ).toBeUndefined();
  });

  it('stays normal when the delay does not grow', () => {
    expect(feed(new TrendlineEstimator(), 100, 0)).toBe('normal');
  });

  it('detects over-use when the delay grows and under-use when it falls', () => {
    const t = new TrendlineEstimator();
    feed(t, 30, 0);
    expect(feed(t, 25, 2, 600)).toBe('overusing');
    expect(t.modifiedTrend).toBeGreaterThan(t.thresholdMs);
    expect(feed(t, 30, -2, 1200)).toBe('underusing');
  });

  it('needs a full window before it has a trend', () => {
    const t = new TrendlineEstimator({ windowSize: 20 });
    feed(t, 19, 5);
    expect(t.trend).toBe(0);
    feed(t, 1, 5, 380);
    expect(t.trend).toBeGreaterThan(0);
  });

  it('adapts the threshold within 6–600 ms', () => {
    const t = new TrendlineEstimator();
    feed(t, 2000, 0);
    expect(t.thresholdMs).toBe(6); // decays to the floor when nothing happens
    const up = new TrendlineEstimator({ kUp: 1, initialThresholdMs: 590 });
    for (let i = 0; i < 200; i++) up.update(20 + (i < 100 ? 1 : 0), 20, (i + 1) * 20);
    expect(up.thresholdMs).toBeLessThanOrEqual(600);
  });
});

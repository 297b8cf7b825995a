import { describe, expect, it } from 'vitest';
import { AcknowledgedBitrateEstimator } from './acknowledged-bitrate.js';

describe('AcknowledgedBitrateEstimator', () => {
  it('measures the receive rate over the last 500 ms of receive time', () => {
    const a = new AcknowledgedBitrateEstimator();
    a.add(0, 1000);
    expect(a.bitrateBps).toBeUndefined();
    for (let t = 10; t <= 2000; t += 10) a.add(t, 1000); // 800 kb/s
    expect(a.bitrateBps).toBe(800_000);
    for (let t = 2010; t <= 4000; t += 20) a.add(t, 1000); // 400 kb/s
    expect(a.bitrateBps).toBe(400_000);
  });
});

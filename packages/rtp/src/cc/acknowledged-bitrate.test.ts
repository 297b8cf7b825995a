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

  it('keeps a window of more samples than it starts with, oldest out first', () => {
    const a = new AcknowledgedBitrateEstimator();
    // 4 packets a ms for 2 s: 2000 samples in each 500 ms window, past several doublings.
    for (let t = 0; t < 2000; t += 0.25) a.add(t, 100);
    expect(a.sampleCount).toBe(2000);
    expect(a.bitrateBps).toBeCloseTo(3_200_000, -3);
    // A slower rate replaces the window sample by sample.
    for (let t = 2000; t <= 3000; t += 1) a.add(t, 100);
    expect(a.sampleCount).toBe(500);
    expect(a.bitrateBps).toBeCloseTo(800_000, -3);
  });

  it('holds at most 65 536 samples when receive times stop advancing (a peer’s odd feedback)', () => {
    const a = new AcknowledgedBitrateEstimator();
    a.add(0, 1000);
    for (let i = 0; i < 100_000; i++) a.add(200, 10);
    expect(a.sampleCount).toBe(65_536);
    // The bytes counted are those of the samples held: 65 536 of 10 bytes over 200 ms.
    expect(a.bitrateBps).toBe((65_536 * 10 * 8 * 1000) / 200);
  });
});

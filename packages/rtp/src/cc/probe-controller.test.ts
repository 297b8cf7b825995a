import { describe, expect, it } from 'vitest';
import { ProbeController } from './probe-controller.js';

const rates = (cs: readonly { bitrateBps: number }[]) => cs.map((c) => c.bitrateBps);

describe('ProbeController (libwebrtc goog_cc)', () => {
  it('probes 3× and 6× the start bitrate when the network becomes available, once', () => {
    const p = new ProbeController({ startBitrateBps: 300_000 });
    const cs = p.onNetworkAvailable(0);
    expect(rates(cs)).toEqual([900_000, 1_800_000]);
    expect(cs.map((c) => [c.minPackets, c.minDurationMs])).toEqual([
      [5, 15],
      [5, 15],
    ]);
    expect(new Set(cs.map((c) => c.id)).size).toBe(2);
    expect(p.waitingForResult).toBe(true);
    expect(p.onNetworkAvailable(10)).toEqual([]);
  });

  it('caps the initial probes at the maximum and then does not probe further', () => {
    const p = new ProbeController({ startBitrateBps: 300_000, maxBitrateBps: 1_000_000 });
    expect(rates(p.onNetworkAvailable(0))).toEqual([900_000, 1_000_000]);
    expect(p.waitingForResult).toBe(false);
    expect(p.onEstimate(1_000_000, 100)).toEqual([]);
  });

  it('probes at 2× a result above 0.7 × the last probe, again and again, up to the maximum', () => {
    const p = new ProbeController({ startBitrateBps: 300_000, maxBitrateBps: 5_000_000 });
    p.onNetworkAvailable(0);
    expect(p.onEstimate(1_200_000, 200)).toEqual([]); // under 0.7 × 1.8 Mb/s = 1.26 Mb/s
    expect(rates(p.onEstimate(1_300_000, 300))).toEqual([2_600_000]);
    expect(p.onEstimate(1_300_000, 350)).toEqual([]); // the threshold is now 0.7 × 2.6 Mb/s
    expect(rates(p.onEstimate(2_600_000, 500))).toEqual([5_000_000]); // capped: the last one
    expect(p.waitingForResult).toBe(false);
    expect(p.onEstimate(4_900_000, 700)).toEqual([]);
  });

  it('stops waiting for a result after 1 s', () => {
    const p = new ProbeController({ startBitrateBps: 300_000 });
    p.onNetworkAvailable(0);
    expect(p.onEstimate(1_500_000, 1001)).toEqual([]);
    expect(p.waitingForResult).toBe(false);
  });

  it('probes at a raised maximum above the estimate once probing is over', () => {
    const p = new ProbeController({ startBitrateBps: 300_000, maxBitrateBps: 2_000_000 });
    p.onNetworkAvailable(0);
    p.onEstimate(1_900_000, 200); // further probe capped at 2 Mb/s: complete
    expect(p.waitingForResult).toBe(false);
    expect(p.setMaxBitrate(1_500_000, 300)).toEqual([]); // lowered
    expect(rates(p.setMaxBitrate(3_000_000, 400))).toEqual([3_000_000]);
    expect(p.waitingForResult).toBe(false); // no further probes after it
    p.onEstimate(3_000_000, 600);
    expect(p.setMaxBitrate(2_900_000, 700)).toEqual([]);
    expect(p.setMaxBitrate(3_000_000, 800)).toEqual([]); // not above the estimate
  });

  it('a maximum set before the network is available only caps the initial probes', () => {
    const p = new ProbeController({ startBitrateBps: 300_000 });
    expect(p.setMaxBitrate(1_200_000, 0)).toEqual([]);
    expect(rates(p.onNetworkAvailable(5))).toEqual([900_000, 1_200_000]);
  });

  it('gives up an awaited result when the network goes away', () => {
    const p = new ProbeController();
    p.onNetworkAvailable(0);
    p.onNetworkUnavailable();
    expect(p.waitingForResult).toBe(false);
    expect(p.onEstimate(1_700_000, 100)).toEqual([]);
  });

  it('probes 2× the estimate every periodicIntervalMs once probing is over, below the maximum only', () => {
    const p = new ProbeController({ startBitrateBps: 300_000, periodicIntervalMs: 5000 });
    p.onNetworkAvailable(0);
    expect(p.onEstimate(500_000, 1100)).toEqual([]); // the result wait is over: complete
    expect(p.onEstimate(500_000, 4999)).toEqual([]);
    expect(rates(p.onEstimate(500_000, 5000))).toEqual([1_000_000]);
    expect(p.waitingForResult).toBe(true); // a good result may go on, as an initial probe does
    expect(rates(p.onEstimate(900_000, 5200))).toEqual([1_800_000]);
    expect(p.onEstimate(1_000_000, 6300)).toEqual([]);
    expect(p.onEstimate(1_000_000, 9999)).toEqual([]);
    expect(rates(p.onEstimate(1_000_000, 10_200))).toEqual([2_000_000]);
    // At the maximum, nothing to find.
    const q = new ProbeController({
      startBitrateBps: 300_000,
      maxBitrateBps: 1_000_000,
      periodicIntervalMs: 5000,
    });
    q.onNetworkAvailable(0);
    expect(q.onEstimate(1_000_000, 20_000)).toEqual([]);
    expect(new ProbeController().onEstimate(100_000, 60_000)).toEqual([]);
    expect(() => new ProbeController({ periodicIntervalMs: 0 })).toThrow(/periodicIntervalMs/);
  });

  it('refuses nonsense options', () => {
    expect(() => new ProbeController({ startBitrateBps: 0 })).toThrow(/positive/);
    expect(() => new ProbeController({ furtherScale: 1 })).toThrow(/furtherScale/);
    expect(() => new ProbeController().setMaxBitrate(0, 0)).toThrow(/positive/);
  });
});

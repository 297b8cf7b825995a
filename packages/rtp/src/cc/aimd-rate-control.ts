/**
 * The delay-based rate controller of draft-ietf-rmcat-gcc-02 §5.5, with libwebrtc's
 * `AimdRateControl` details: a state machine (hold, increase, decrease) driven by the over-use
 * detector's signal; multiplicative increase (8 %/s) far from the last congestion point,
 * additive increase (about one packet per response time) near it; a decrease to β = 0.85 of the
 * acknowledged rate on over-use; never more than 1.5 × the acknowledged rate + 10 kb/s.
 */

import { LinkCapacityEstimator } from './link-capacity.js';
import type { BandwidthUsage } from './trendline.js';

/** The rate controller's state (gcc-02 §5.5, figure 2). */
export type RateControlState = 'hold' | 'increase' | 'decrease';

/** Options of {@link AimdRateControl}. */
export interface AimdRateControlOptions {
  /** The estimate before any feedback, bits/s. */
  readonly startBitrateBps: number;
  /** The estimate never goes below this, bits/s. */
  readonly minBitrateBps: number;
  /** The estimate never goes above this, bits/s. */
  readonly maxBitrateBps: number;
  /** Multiplicative decrease factor β. Default 0.85 (gcc-02 §5.5, libwebrtc). */
  readonly beta?: number;
}

/** Multiplicative increase per second, η (gcc-02 §5.5: 1.08). */
const ETA = 1.08;
/** Smallest additive increase, bits/s per second (libwebrtc). */
const MIN_ADDITIVE_BPS_PER_S = 4000;
/** Frame rate and packet size the additive increase assumes (libwebrtc: 30 fps, 1200 bytes). */
const ASSUMED_FPS = 30;
const ASSUMED_PACKET_BYTES = 1200;
/** Default round-trip time before one is measured (libwebrtc `kDefaultRtt`). */
export const DEFAULT_RTT_MS = 200;

/**
 * AIMD rate control (draft-ietf-rmcat-gcc-02 §5.5). Call {@link AimdRateControl.update} with
 * the detector's signal and the acknowledged bitrate; read {@link AimdRateControl.bitrateBps}.
 */
export class AimdRateControl {
  private current: number;
  private readonly min: number;
  private readonly max: number;
  private readonly beta: number;
  private readonly capacity = new LinkCapacityEstimator();
  private lastChangeMs: number | undefined;
  private lastDecreaseMs: number | undefined;
  private lastAcknowledgedBps: number | undefined;
  /** Round-trip time used for the additive increase and the decrease interval, ms. */
  rttMs = DEFAULT_RTT_MS;
  private controlState: RateControlState = 'hold';

  constructor(options: AimdRateControlOptions) {
    this.min = options.minBitrateBps;
    this.max = options.maxBitrateBps;
    this.beta = options.beta ?? 0.85;
    this.current = options.startBitrateBps;
  }

  /** The controller's state (gcc-02 §5.5). */
  get state(): RateControlState {
    return this.controlState;
  }

  /** The delay-based estimate, bits/s. */
  get bitrateBps(): number {
    return this.current;
  }

  /** The link capacity estimate (set at over-uses), bits/s, for stats. */
  get linkCapacityBps(): number | undefined {
    return this.capacity.estimateBps;
  }

  /** True when the estimate is near the last congestion point (additive increase). */
  get nearConvergence(): boolean {
    return this.capacity.estimateBps !== undefined;
  }

  /**
   * libwebrtc `TimeToReduceFurther`: while over-using, decrease again at most once per RTT
   * (clamped 10–200 ms), or at once when the estimate is over twice the acknowledged rate.
   */
  timeToReduceFurther(nowMs: number, acknowledgedBps: number): boolean {
    const interval = Math.min(200, Math.max(10, this.rttMs));
    if (this.lastChangeMs === undefined || nowMs - this.lastChangeMs >= interval) return true;
    return this.current / 2 > acknowledgedBps;
  }

  /** Sets the estimate (clamped), e.g. from a probe or a REMB cap. */
  setEstimate(bps: number, nowMs: number): void {
    this.current = this.clamp(bps);
    this.lastChangeMs = nowMs;
  }

  /** One step of the state machine and the rate (gcc-02 §5.5). */
  update(usage: BandwidthUsage, acknowledgedBps: number | undefined, nowMs: number): number {
    // State transitions (gcc-02 §5.5 table): over-use → decrease, under-use → hold,
    // normal → increase (from hold).
    if (usage === 'overusing') this.controlState = 'decrease';
    else if (usage === 'underusing') this.controlState = 'hold';
    else if (this.controlState === 'hold') {
      this.lastChangeMs = nowMs;
      this.controlState = 'increase';
    }
    if (acknowledgedBps !== undefined) this.lastAcknowledgedBps = acknowledgedBps;
    const throughput = this.lastAcknowledgedBps;
    let next = this.current;
    switch (this.controlState) {
      case 'hold':
        break;
      case 'increase': {
        if (throughput !== undefined && throughput > this.capacity.upperBoundBps)
          this.capacity.reset();
        // Never above what the link has shown it carries (gcc-02 §5.5: 1.5 × R_hat).
        const limit =
          throughput === undefined ? Number.POSITIVE_INFINITY : 1.5 * throughput + 10_000;
        if (this.current < limit) {
          const since = this.lastChangeMs === undefined ? 0 : nowMs - this.lastChangeMs;
          const increase = this.nearConvergence
            ? this.additiveIncrease(since)
            : this.multiplicativeIncrease(since);
          next = Math.min(this.current + increase, limit);
        }
        this.lastChangeMs = nowMs;
        break;
      }
      case 'decrease': {
        if (throughput === undefined) break;
        let decreased = throughput * this.beta;
        if (decreased > 5000) decreased -= 5000; // libwebrtc: keep under the measured rate
        if (decreased > this.current && this.capacity.estimateBps !== undefined) {
          decreased = this.beta * this.capacity.estimateBps;
        }
        if (decreased < this.current) next = decreased;
        if (throughput < this.capacity.lowerBoundBps) this.capacity.reset();
        this.capacity.onOveruseDetected(throughput);
        this.controlState = 'hold';
        this.lastChangeMs = nowMs;
        this.lastDecreaseMs = nowMs;
        break;
      }
    }
    this.current = this.clamp(next);
    return this.current;
  }

  /** When the last decrease happened, ms. */
  get lastDecreaseAtMs(): number | undefined {
    return this.lastDecreaseMs;
  }

  /** η^Δt of the current rate, at least 1 kb/s (gcc-02 §5.5, libwebrtc). */
  private multiplicativeIncrease(sinceMs: number): number {
    const alpha = ETA ** Math.min(sinceMs / 1000, 1);
    return Math.max(this.current * (alpha - 1), 1000);
  }

  /**
   * About one packet per response time (RTT + 100 ms), the packet being a 30 fps frame's
   * share of the rate split in 1200-byte packets (libwebrtc `GetNearMaxIncreaseRateBpsPerSecond`).
   */
  private additiveIncrease(sinceMs: number): number {
    const frameBits = this.current / ASSUMED_FPS;
    const packetsPerFrame = Math.ceil(frameBits / (ASSUMED_PACKET_BYTES * 8));
    const packetBits = frameBits / packetsPerFrame;
    const responseS = (this.rttMs + 100) / 1000;
    const perSecond = Math.max(MIN_ADDITIVE_BPS_PER_S, packetBits / responseS);
    return (perSecond * sinceMs) / 1000;
  }

  private clamp(bps: number): number {
    return Math.min(this.max, Math.max(this.min, bps));
  }
}

/**
 * The trendline filter and the over-use detector of the delay-based controller, as libwebrtc's
 * goog_cc `TrendlineEstimator` (the successor of draft-ietf-rmcat-gcc-02 §5.3's Kalman filter):
 * the accumulated inter-group delay variation is smoothed exponentially, the slope of a
 * least-squares line through the last `windowSize` (arrival time, smoothed delay) points is
 * the delay trend, and the detector (gcc-02 §5.4) compares the trend, scaled by the number of
 * deltas (at most 60) and the threshold gain, to an adaptive threshold (§5.4, eq. for
 * del_var_th).
 */

/** What the over-use detector concludes (draft-ietf-rmcat-gcc-02 §5.4). */
export type BandwidthUsage = 'normal' | 'underusing' | 'overusing';

/** Options of {@link TrendlineEstimator}; defaults are libwebrtc's and gcc-02's. */
export interface TrendlineOptions {
  /** Points in the linear regression. Default 20 (libwebrtc `kDefaultTrendlineWindowSize`). */
  readonly windowSize?: number;
  /** Exponential smoothing of the accumulated delay. Default 0.9 (libwebrtc). */
  readonly smoothing?: number;
  /** Gain applied to the trend before comparing it to the threshold. Default 4 (libwebrtc). */
  readonly thresholdGain?: number;
  /**
   * Threshold gain when the trend exceeds it, per ms. Default 0.0087 (libwebrtc's trendline
   * `k_up_`; gcc-02 §5.4 gives k_u = 0.01 for its Kalman filter's m(i)).
   */
  readonly kUp?: number;
  /**
   * Threshold gain when the trend is under it, per ms. Default 0.039 (libwebrtc's trendline
   * `k_down_`). gcc-02 §5.4's k_d = 0.00018, tuned for the Kalman filter, lets the threshold
   * stay high after a spike: on the simulated 500 kb/s link it lets the estimate overshoot to
   * 118 % of the capacity and the queue reach 350 ms, against 106 % and 36 ms with 0.039.
   */
  readonly kDown?: number;
  /** Initial threshold, ms. Default 12.5 (gcc-02 §5.4, libwebrtc). */
  readonly initialThresholdMs?: number;
}

/** The detector waits this long of over-use before it says so, ms (gcc-02 §5.4 overuse_time_th). */
const OVERUSE_TIME_MS = 10;
/** Cap on the number of deltas that scale the trend (libwebrtc `kMinNumDeltas`). */
const MIN_NUM_DELTAS = 60;
/** The threshold is not adapted to trends farther than this above it (libwebrtc, gcc-02 §5.4). */
const MAX_ADAPT_OFFSET_MS = 15;
/** Longest time step of one threshold update, ms (libwebrtc `kMaxTimeDeltaMs`). */
const MAX_THRESHOLD_STEP_MS = 100;
/** Threshold bounds, ms (gcc-02 §5.4: clamped to [6, 600]). */
const MIN_THRESHOLD_MS = 6;
const MAX_THRESHOLD_MS = 600;

/**
 * Delay trend and over-use detection from group deltas (draft-ietf-rmcat-gcc-02 §5.3–5.4 as
 * libwebrtc's trendline filter does them). Feed {@link TrendlineEstimator.update} with each
 * group delta; read {@link TrendlineEstimator.state}.
 */
export class TrendlineEstimator {
  private readonly windowSize: number;
  private readonly smoothing: number;
  private readonly thresholdGain: number;
  private readonly kUp: number;
  private readonly kDown: number;
  private numDeltas = 0;
  private firstArrivalMs: number | undefined;
  private accumulatedDelayMs = 0;
  private smoothedDelayMs = 0;
  private readonly history: { x: number; y: number }[] = [];
  private prevTrend = 0;
  private timeOverUsingMs = -1;
  private overuseCount = 0;
  private lastThresholdUpdateMs: number | undefined;
  private hypothesis: BandwidthUsage = 'normal';
  private threshold: number;
  private lastModifiedTrend = 0;

  constructor(options: TrendlineOptions = {}) {
    this.windowSize = options.windowSize ?? 20;
    this.smoothing = options.smoothing ?? 0.9;
    this.thresholdGain = options.thresholdGain ?? 4;
    this.kUp = options.kUp ?? 0.0087;
    this.kDown = options.kDown ?? 0.039;
    this.threshold = options.initialThresholdMs ?? 12.5;
  }

  /** The adaptive threshold γ(i) (ms), gcc-02 §5.4 del_var_th. */
  get thresholdMs(): number {
    return this.threshold;
  }

  /** The last scaled trend m(i) compared with the threshold (ms). */
  get modifiedTrend(): number {
    return this.lastModifiedTrend;
  }

  /** The detector's current hypothesis. */
  get state(): BandwidthUsage {
    return this.hypothesis;
  }

  /** The last delay trend (slope, ms of delay per ms). */
  get trend(): number {
    return this.prevTrend;
  }

  /** Adds one group delta (ms) completed at `arrivalMs`; returns the new hypothesis. */
  update(arrivalDeltaMs: number, sendDeltaMs: number, arrivalMs: number): BandwidthUsage {
    const delta = arrivalDeltaMs - sendDeltaMs;
    this.numDeltas = Math.min(this.numDeltas + 1, 1000);
    this.firstArrivalMs ??= arrivalMs;
    this.accumulatedDelayMs += delta;
    this.smoothedDelayMs =
      this.smoothing * this.smoothedDelayMs + (1 - this.smoothing) * this.accumulatedDelayMs;
    this.history.push({ x: arrivalMs - this.firstArrivalMs, y: this.smoothedDelayMs });
    if (this.history.length > this.windowSize) this.history.shift();
    let trend = this.prevTrend;
    if (this.history.length === this.windowSize) trend = linearFitSlope(this.history) ?? trend;
    this.detect(trend, sendDeltaMs, arrivalMs);
    return this.hypothesis;
  }

  /** gcc-02 §5.4: compare m(i) with ±γ(i), over-use only after 10 ms and two deltas of it. */
  private detect(trend: number, sendDeltaMs: number, nowMs: number): void {
    if (this.numDeltas < 2) {
      this.hypothesis = 'normal';
      return;
    }
    const m = Math.min(this.numDeltas, MIN_NUM_DELTAS) * trend * this.thresholdGain;
    this.lastModifiedTrend = m;
    if (m > this.threshold) {
      if (this.timeOverUsingMs === -1) this.timeOverUsingMs = sendDeltaMs / 2;
      else this.timeOverUsingMs += sendDeltaMs;
      this.overuseCount++;
      if (
        this.timeOverUsingMs > OVERUSE_TIME_MS &&
        this.overuseCount > 1 &&
        trend >= this.prevTrend
      ) {
        this.timeOverUsingMs = 0;
        this.overuseCount = 0;
        this.hypothesis = 'overusing';
      }
    } else if (m < -this.threshold) {
      this.timeOverUsingMs = -1;
      this.overuseCount = 0;
      this.hypothesis = 'underusing';
    } else {
      this.timeOverUsingMs = -1;
      this.overuseCount = 0;
      this.hypothesis = 'normal';
    }
    this.prevTrend = trend;
    this.updateThreshold(m, nowMs);
  }

  /** gcc-02 §5.4: γ(i) = γ(i−1) + Δt · K(i) · (|m(i)| − γ(i−1)), clamped to [6, 600] ms. */
  private updateThreshold(m: number, nowMs: number): void {
    this.lastThresholdUpdateMs ??= nowMs;
    const abs = Math.abs(m);
    if (abs > this.threshold + MAX_ADAPT_OFFSET_MS) {
      // A spike (a route change, a burst) is not allowed to drag the threshold up.
      this.lastThresholdUpdateMs = nowMs;
      return;
    }
    const k = abs < this.threshold ? this.kDown : this.kUp;
    const dt = Math.min(nowMs - this.lastThresholdUpdateMs, MAX_THRESHOLD_STEP_MS);
    this.threshold += k * (abs - this.threshold) * dt;
    this.threshold = Math.min(MAX_THRESHOLD_MS, Math.max(MIN_THRESHOLD_MS, this.threshold));
    this.lastThresholdUpdateMs = nowMs;
  }
}

/** Least-squares slope of the points, `undefined` when every x is the same. */
export function linearFitSlope(points: readonly { x: number; y: number }[]): number | undefined {
  let sx = 0;
  let sy = 0;
  for (const p of points) {
    sx += p.x;
    sy += p.y;
  }
  const mx = sx / points.length;
  const my = sy / points.length;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) * (p.x - mx);
  }
  return den === 0 ? undefined : num / den;
}

/**
 * The loss-based controller of draft-ietf-rmcat-gcc-02 §6 as libwebrtc's classic
 * `SendSideBandwidthEstimation` does it: below 2 % loss the rate grows 8 % a second (from the
 * lowest estimate of the last second, + 1 kb/s), between 2 % and 10 % it holds, above 10 % it
 * is cut to rate × (1 − 0.5 × loss), at most once per 300 ms + RTT.
 */

/** Options of {@link LossBasedEstimator}. */
export interface LossBasedOptions {
  /** The estimate before any loss report, bits/s. */
  readonly startBitrateBps: number;
  /** Below this loss the estimate increases. Default 0.02 (gcc-02 §6). */
  readonly lowLossThreshold?: number;
  /** Above this loss the estimate decreases. Default 0.1 (gcc-02 §6). */
  readonly highLossThreshold?: number;
}

/** Packets a loss fraction is measured over, at least (libwebrtc `kLimitNumPackets`). */
const MIN_PACKETS = 20;
/** The increase is taken from the lowest estimate of this window (libwebrtc `kBweIncreaseInterval`). */
const INCREASE_INTERVAL_MS = 1000;
/** Decreases are at least this + RTT apart (libwebrtc `kBweDecreaseInterval`). */
const DECREASE_INTERVAL_MS = 300;

/**
 * Loss-based bandwidth estimate (draft-ietf-rmcat-gcc-02 §6). Give it the packets reported
 * received and lost ({@link LossBasedEstimator.onPacketResults}) and update it
 * ({@link LossBasedEstimator.update}) with a cap (the delay-based estimate): libwebrtc applies
 * the cap to this value itself, so an increase starts from the final estimate.
 */
export class LossBasedEstimator {
  private current: number;
  private readonly low: number;
  private readonly high: number;
  private lost = 0;
  private expected = 0;
  private lastLoss: number | undefined;
  private hasDecreasedSinceLoss = false;
  private lastDecreaseMs = Number.NEGATIVE_INFINITY;
  private readonly minHistory: { t: number; bps: number }[] = [];

  constructor(options: LossBasedOptions) {
    this.current = options.startBitrateBps;
    this.low = options.lowLossThreshold ?? 0.02;
    this.high = options.highLossThreshold ?? 0.1;
  }

  /** The loss-based estimate, bits/s. */
  get bitrateBps(): number {
    return this.current;
  }

  /** The last loss fraction measured (over at least 20 packets), 0–1. */
  get fractionLost(): number | undefined {
    return this.lastLoss;
  }

  /** Counts `lost` of `total` packets newly reported (a lost one later received: lost −1). */
  onPacketResults(lost: number, total: number): void {
    this.lost += lost;
    this.expected += total;
    if (this.expected >= MIN_PACKETS) {
      this.lastLoss = Math.min(1, Math.max(0, this.lost / this.expected));
      this.lost = 0;
      this.expected = 0;
      this.hasDecreasedSinceLoss = false;
    }
  }

  /** One update at `nowMs`, capped at `capBps`; returns the estimate. */
  update(nowMs: number, capBps: number, rttMs: number): number {
    this.current = Math.min(this.current, capBps);
    this.pushHistory(nowMs);
    const loss = this.lastLoss;
    if (loss !== undefined) {
      if (loss <= this.low) {
        const base = this.minHistory[0]!.bps;
        this.current = Math.round(base * 1.08) + 1000;
      } else if (loss > this.high) {
        if (
          !this.hasDecreasedSinceLoss &&
          nowMs - this.lastDecreaseMs >= DECREASE_INTERVAL_MS + rttMs
        ) {
          this.lastDecreaseMs = nowMs;
          this.hasDecreasedSinceLoss = true;
          this.current = this.current * (1 - 0.5 * loss);
        }
      }
    }
    this.current = Math.min(this.current, capBps);
    return this.current;
  }

  /** Sets the estimate (at a reset or a clamp). */
  setEstimate(bps: number): void {
    this.current = bps;
  }

  /**
   * Sets the estimate and forgets the lowest estimates of the last second, so that the next
   * increase starts from it (libwebrtc `SetSendBitrate`, after a probe).
   */
  reset(bps: number): void {
    this.current = bps;
    this.minHistory.length = 0;
  }

  private pushHistory(nowMs: number): void {
    const h = this.minHistory;
    while (h.length > 0 && h[0]!.t + INCREASE_INTERVAL_MS < nowMs) h.shift();
    while (h.length > 0 && h[h.length - 1]!.bps >= this.current) h.pop();
    h.push({ t: nowMs, bps: this.current });
  }
}

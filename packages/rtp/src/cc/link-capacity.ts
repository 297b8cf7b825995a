/**
 * The link capacity estimate of the AIMD controller (libwebrtc's `LinkCapacityEstimator`):
 * an exponential average (α = 0.05) of the acknowledged rate at each over-use, with a
 * normalised variance; within 3 deviations of it the controller is "near convergence" and
 * increases additively (draft-ietf-rmcat-gcc-02 §5.5).
 */
export class LinkCapacityEstimator {
  private estimateKbps: number | undefined;
  /** Normalised variance, kb/s (libwebrtc starts at 0.4 and clamps to [0.4, 2.5]). */
  private deviationKbps = 0.4;

  /** The estimate in bits/s, `undefined` until the first over-use. */
  get estimateBps(): number | undefined {
    return this.estimateKbps === undefined ? undefined : this.estimateKbps * 1000;
  }

  /** Estimate + 3 standard deviations, bits/s (∞ without an estimate). */
  get upperBoundBps(): number {
    if (this.estimateKbps === undefined) return Number.POSITIVE_INFINITY;
    return (this.estimateKbps + 3 * this.deviationEstimateKbps()) * 1000;
  }

  /** Estimate − 3 standard deviations, bits/s (0 without an estimate). */
  get lowerBoundBps(): number {
    if (this.estimateKbps === undefined) return 0;
    return Math.max(0, this.estimateKbps - 3 * this.deviationEstimateKbps()) * 1000;
  }

  /** An over-use at this acknowledged rate: one sample of the capacity. */
  onOveruseDetected(acknowledgedBps: number): void {
    const sample = acknowledgedBps / 1000;
    const alpha = 0.05;
    if (this.estimateKbps === undefined) this.estimateKbps = sample;
    else this.estimateKbps = (1 - alpha) * this.estimateKbps + alpha * sample;
    const norm = Math.max(this.estimateKbps, 1);
    const error = this.estimateKbps - sample;
    this.deviationKbps = (1 - alpha) * this.deviationKbps + (alpha * error * error) / norm;
    this.deviationKbps = Math.min(2.5, Math.max(0.4, this.deviationKbps));
  }

  /** Forgets the estimate (the link changed: the rate went out of the bounds). */
  reset(): void {
    this.estimateKbps = undefined;
  }

  private deviationEstimateKbps(): number {
    return Math.sqrt(this.deviationKbps * (this.estimateKbps ?? 0));
  }
}

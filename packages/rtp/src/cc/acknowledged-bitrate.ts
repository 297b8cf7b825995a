/**
 * The acknowledged bitrate (draft-ietf-rmcat-gcc-02 §5.5's R_hat, libwebrtc's
 * `AcknowledgedBitrateEstimator`): the rate at which the receiver got the packets, from their
 * sizes and receive times as the feedback reports them.
 */

/** Options of {@link AcknowledgedBitrateEstimator}. */
export interface AcknowledgedBitrateOptions {
  /** Receive-time window, ms. Default 500 (gcc-02 §5.5: R_hat over the last 0.5–1 s). */
  readonly windowMs?: number;
}

/** Samples a window holds at most: the oldest goes first beyond it (a peer's odd receive times cannot grow it). */
const MAX_SAMPLES = 0x10000;

/**
 * The receive rate of acknowledged packets over a sliding window of receive time
 * (draft-ietf-rmcat-gcc-02 §5.5: "measured over the last 500 ms"). Packets are added in receive
 * order; the rate is `undefined` until the window has some span.
 *
 * The window is a ring of two typed arrays that doubles when full (up to 65 536 samples), not
 * an object per packet: each sample lives for the window, long enough for V8 to move an object
 * out of its young generation, and a stream of such objects kept its full collector busy.
 */
export class AcknowledgedBitrateEstimator {
  private readonly windowMs: number;
  private times = new Float64Array(256);
  private sizes = new Float64Array(256);
  /** Index of the oldest sample in the ring. */
  private head = 0;
  private count = 0;
  private bytes = 0;
  private newestMs = Number.NEGATIVE_INFINITY;
  private firstMs: number | undefined;

  constructor(options: AcknowledgedBitrateOptions = {}) {
    this.windowMs = options.windowMs ?? 500;
  }

  /** Adds a packet received at `arrivalMs` (receiver clock) of `sizeBytes`. */
  add(arrivalMs: number, sizeBytes: number): void {
    this.firstMs ??= arrivalMs;
    if (arrivalMs > this.newestMs) this.newestMs = arrivalMs;
    if (this.count === this.times.length) {
      if (this.count < MAX_SAMPLES) this.grow();
      else this.dropOldest();
    }
    const mask = this.times.length - 1;
    const i = (this.head + this.count) & mask;
    this.times[i] = arrivalMs;
    this.sizes[i] = sizeBytes;
    this.count++;
    this.bytes += sizeBytes;
    const horizon = this.newestMs - this.windowMs;
    while (this.count > 0 && this.times[this.head]! <= horizon) this.dropOldest();
  }

  /** The acknowledged rate in bits/s, `undefined` before 100 ms of receive time. */
  get bitrateBps(): number | undefined {
    if (this.firstMs === undefined) return undefined;
    const span = Math.min(this.windowMs, this.newestMs - this.firstMs);
    if (span < 100) return undefined;
    return (this.bytes * 8 * 1000) / span;
  }

  /** Samples in the window now (at most 65 536). */
  get sampleCount(): number {
    return this.count;
  }

  private dropOldest(): void {
    this.bytes -= this.sizes[this.head]!;
    this.head = (this.head + 1) & (this.times.length - 1);
    this.count--;
  }

  private grow(): void {
    const n = this.times.length * 2;
    const times = new Float64Array(n);
    const sizes = new Float64Array(n);
    const mask = this.times.length - 1;
    for (let k = 0; k < this.count; k++) {
      times[k] = this.times[(this.head + k) & mask]!;
      sizes[k] = this.sizes[(this.head + k) & mask]!;
    }
    this.times = times;
    this.sizes = sizes;
    this.head = 0;
  }
}

/**
 * The acknowledged bitrate (draft-ietf-rmcat-gcc-02 §5.5's R_hat, libwebrtc's
 * `AcknowledgedBitrateEstimator`): the rate at which the receiver got the packets, from their
 * sizes and receive times as the feedback reports them.
 */

import { ByteWindow } from './byte-window.js';

/** Options of {@link AcknowledgedBitrateEstimator}. */
export interface AcknowledgedBitrateOptions {
  /** Receive-time window, ms. Default 500 (gcc-02 §5.5: R_hat over the last 0.5–1 s). */
  readonly windowMs?: number;
}

/**
 * The receive rate of acknowledged packets over a sliding window of receive time
 * (draft-ietf-rmcat-gcc-02 §5.5: "measured over the last 500 ms"). Packets are added in receive
 * order; the rate is `undefined` until the window has some span. The window holds at most
 * 65 536 packets (a peer's feedback whose receive times stop advancing cannot grow it).
 */
export class AcknowledgedBitrateEstimator {
  private readonly windowMs: number;
  private readonly window = new ByteWindow();
  private newestMs = Number.NEGATIVE_INFINITY;
  private firstMs: number | undefined;

  constructor(options: AcknowledgedBitrateOptions = {}) {
    this.windowMs = options.windowMs ?? 500;
  }

  /** Adds a packet received at `arrivalMs` (receiver clock) of `sizeBytes`. */
  add(arrivalMs: number, sizeBytes: number): void {
    this.firstMs ??= arrivalMs;
    if (arrivalMs > this.newestMs) this.newestMs = arrivalMs;
    this.window.add(arrivalMs, sizeBytes);
    this.window.dropThrough(this.newestMs - this.windowMs);
  }

  /** The acknowledged rate in bits/s, `undefined` before 100 ms of receive time. */
  get bitrateBps(): number | undefined {
    if (this.firstMs === undefined) return undefined;
    const span = Math.min(this.windowMs, this.newestMs - this.firstMs);
    if (span < 100) return undefined;
    return (this.window.bytes * 8 * 1000) / span;
  }

  /** Samples in the window now (at most 65 536). */
  get sampleCount(): number {
    return this.window.samples;
  }
}

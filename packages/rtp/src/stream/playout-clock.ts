/**
 * Maps extended RTP timestamps to local playout times. RFC 3550 §6.4.1 defines a packet's
 * transit time as its arrival time minus its RTP timestamp (in one unit); the smallest transit
 * seen lately is the path without queueing, so a frame's nominal arrival is its timestamp plus
 * that smallest transit, and it plays out a target latency later.
 */

/** A transit this far above the smallest seen (ms) means the sender's timestamps stepped back. */
const REBASE_AFTER_MS = 10_000;
/**
 * The smallest transit is taken over the last one to two windows of this length (ms), so that
 * it follows a path that became slower or a sender clock slower than ours, instead of keeping
 * an old minimum that would eat into the target latency.
 */
const WINDOW_MS = 10_000;

export class PlayoutClock {
  private base: number | undefined;
  private minTransitMs = 0;
  private windowStartMs = 0;
  private windowMinMs = Number.POSITIVE_INFINITY;
  private previousMinMs = Number.POSITIVE_INFINITY;

  constructor(
    private readonly clockRate: number,
    private readonly targetLatencyMs: number,
  ) {}

  /** Takes one packet's extended timestamp and arrival time into account. */
  observe(extendedTimestamp: number, arrivalMs: number): void {
    if (this.base === undefined) {
      this.base = extendedTimestamp;
      this.minTransitMs = this.windowMinMs = arrivalMs;
      this.previousMinMs = Number.POSITIVE_INFINITY;
      this.windowStartMs = arrivalMs;
      return;
    }
    const transit = arrivalMs - ((extendedTimestamp - this.base) * 1000) / this.clockRate;
    if (transit > this.minTransitMs + REBASE_AFTER_MS) {
      // The sender's clock went back (no queue holds 10 s of media): a new reference.
      this.minTransitMs = this.windowMinMs = transit;
      this.previousMinMs = Number.POSITIVE_INFINITY;
      this.windowStartMs = arrivalMs;
      return;
    }
    if (arrivalMs >= this.windowStartMs + WINDOW_MS) {
      this.previousMinMs = this.windowMinMs;
      this.windowMinMs = Number.POSITIVE_INFINITY;
      this.windowStartMs = arrivalMs;
    }
    if (transit < this.windowMinMs) this.windowMinMs = transit;
    this.minTransitMs = Math.min(this.windowMinMs, this.previousMinMs);
  }

  /** When the frame of `extendedTimestamp` is due (ms); `observe` must have been called once. */
  playoutMs(extendedTimestamp: number): number {
    const base = this.base ?? extendedTimestamp;
    return (
      this.minTransitMs +
      ((extendedTimestamp - base) * 1000) / this.clockRate +
      this.targetLatencyMs
    );
  }

  reset(): void {
    this.base = undefined;
    this.minTransitMs = 0;
  }
}

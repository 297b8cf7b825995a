/**
 * Maps extended RTP timestamps to local playout times. RFC 3550 §6.4.1 defines a packet's
 * transit time as its arrival time minus its RTP timestamp (in one unit); the smallest transit
 * seen is the path without queueing, so a frame's nominal arrival is its timestamp plus that
 * smallest transit, and it plays out a target latency later.
 */

/** A transit this far above the smallest seen (ms) means the sender's timestamps stepped back. */
const REBASE_AFTER_MS = 10_000;

export class PlayoutClock {
  private base: number | undefined;
  private minTransitMs = 0;

  constructor(
    private readonly clockRate: number,
    private readonly targetLatencyMs: number,
  ) {}

  /** Takes one packet's extended timestamp and arrival time into account. */
  observe(extendedTimestamp: number, arrivalMs: number): void {
    if (this.base === undefined) {
      this.base = extendedTimestamp;
      this.minTransitMs = arrivalMs;
      return;
    }
    const transit = arrivalMs - ((extendedTimestamp - this.base) * 1000) / this.clockRate;
    // The smallest transit wins; one far above it (the sender's clock was reset backward,
    // not a queue: no queue holds 10 s of media) starts a new reference.
    if (transit < this.minTransitMs || transit > this.minTransitMs + REBASE_AFTER_MS) {
      this.minTransitMs = transit;
    }
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

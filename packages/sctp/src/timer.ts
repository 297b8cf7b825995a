/**
 * A restartable deadline on an injected clock, and the RTO estimator of RFC 6298.
 */

import type { Clock, Timer } from '@x/transport';

/**
 * A one-shot timer that can be restarted and stopped cheaply. Pushing the deadline later keeps
 * the underlying clock timer and re-arms only when it fires early, so restarting T3-rtx on
 * every SACK (RFC 9260 §6.3.2 R3) costs no allocation. {@link stop} clears the deadline but
 * keeps the clock timer, which then fires once for nothing or serves the next deadline: the
 * delayed SACK timer is set by one packet and stopped by the next, and a clock timer set and
 * cancelled for each pair cost 28 MB of allocations in 67 MB of bulk data from Chromium
 * (tools/bench/browser, V8's sampling heap profiler). {@link release} also cancels the clock
 * timer: the association's teardown releases every timer.
 */
export class DeadlineTimer {
  private timer: Timer | undefined;
  private firesAt = 0;
  private due = 0;
  private active = false;
  private readonly onClock = (): void => {
    this.timer = undefined;
    if (!this.active) return;
    const now = this.clock.now();
    if (now < this.due) {
      this.arm(this.due - now, now);
      return;
    }
    this.active = false;
    this.onFire();
  };

  constructor(
    private readonly clock: Clock,
    private readonly onFire: () => void,
  ) {}

  /** True while a deadline is set. */
  get running(): boolean {
    return this.active;
  }

  /** Sets the deadline `delayMs` from now, replacing any earlier one. */
  start(delayMs: number): void {
    const now = this.clock.now();
    this.due = now + delayMs;
    this.active = true;
    if (this.timer !== undefined) {
      if (this.firesAt <= this.due) return;
      this.timer.cancel();
    }
    this.arm(delayMs, now);
  }

  /** Sets the deadline only when none is set. */
  ensure(delayMs: number): void {
    if (!this.active) this.start(delayMs);
  }

  /**
   * Clears the deadline. The clock timer stays armed until it fires (then doing nothing) or a
   * later deadline reuses it; {@link release} cancels it as well.
   */
  stop(): void {
    this.active = false;
  }

  /** Clears the deadline and cancels the clock timer. */
  release(): void {
    this.active = false;
    if (this.timer !== undefined) {
      this.timer.cancel();
      this.timer = undefined;
    }
  }

  private arm(delayMs: number, now: number): void {
    this.firesAt = now + delayMs;
    this.timer = this.clock.setTimeout(this.onClock, delayMs);
  }
}

/** RTO bounds (RFC 9260 §16 protocol parameters, adjustable). */
export interface RtoOptions {
  readonly initialMs: number;
  readonly minMs: number;
  readonly maxMs: number;
}

/** The retransmission timeout of RFC 6298 §2 with the SCTP constants of RFC 9260 §6.3.1. */
export class RtoEstimator {
  private srtt = 0;
  private rttvar = 0;
  private measured = false;
  /** The current RTO in ms. */
  rto: number;

  constructor(private readonly options: RtoOptions) {
    this.rto = options.initialMs;
  }

  /** The smoothed round-trip time, or `undefined` before the first measurement. */
  get smoothedRtt(): number | undefined {
    return this.measured ? this.srtt : undefined;
  }

  /** RFC 6298 §2.2 and §2.3 (alpha 1/8, beta 1/4, K 4, G taken as 0). */
  observe(rttMs: number): void {
    if (!(rttMs >= 0)) return;
    if (!this.measured) {
      this.srtt = rttMs;
      this.rttvar = rttMs / 2;
      this.measured = true;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - rttMs);
      this.srtt = 0.875 * this.srtt + 0.125 * rttMs;
    }
    this.rto = this.clamp(this.srtt + 4 * this.rttvar);
  }

  /** RFC 6298 §5.5: back off after a timeout. */
  backOff(): void {
    this.rto = this.clamp(this.rto * 2);
  }

  private clamp(v: number): number {
    return Math.min(this.options.maxMs, Math.max(this.options.minMs, v));
  }
}

/**
 * Consent freshness (RFC 7675) and liveness of the selected pair: consent requests at a
 * randomized interval, and one timer armed at the next moment a threshold can be crossed:
 * `probeAfter` (look for a spare path), `disconnectedAfter` (no packet of any kind) and
 * `failedAfter` (no authenticated consent response: consent expired, RFC 7675 §5.1).
 * Receiving costs nothing: the timer reads the pair's timestamps when it fires.
 */
import type { Clock, Timer } from '@x/transport';
import type { CandidatePair } from './candidate-pair.js';

/** Timing of the monitor (see `ConsentOptions` for the defaults and why). */
export interface ConsentTiming {
  readonly intervalMs: number;
  readonly probeAfterMs: number;
  readonly disconnectedAfterMs: number;
  readonly failedAfterMs: number;
  /** Uniform draws in [0, 1) for the randomized interval (RFC 7675 §5.1). */
  readonly random: () => number;
}

/** What the monitor asks of the agent. */
export interface ConsentEvents {
  /** Send one consent request (a Binding request) on the pair. */
  request(pair: CandidatePair): void;
  /** True when the agent wants `probe` (the controlling agent looks for a spare path). */
  wantsProbe(): boolean;
  /** The pair has been silent for `probeAfterMs`. */
  probe(pair: CandidatePair): void;
  /** The pair has been silent for `disconnectedAfterMs` (once per silence). */
  silent(pair: CandidatePair, silentMs: number): void;
  /** No consent response for `failedAfterMs`: consent expired, sending must stop. */
  expired(pair: CandidatePair, silentMs: number): void;
}

/** Watches one pair at a time (the selected one). */
export class ConsentMonitor {
  private pair: CandidatePair | undefined;
  private requestTimer: Timer | undefined;
  private watchdog: Timer | undefined;
  private watchdogAt = Number.POSITIVE_INFINITY;
  /** Probing for a spare path since the pair went quiet. */
  probing = false;
  /** `silent` was reported and nothing has been heard since. */
  silentReported = false;
  /** Consent expired on the watched pair (RFC 7675 §5.2: do not send). */
  lost = false;

  constructor(
    private readonly clock: Clock,
    private readonly timing: ConsentTiming,
    private readonly events: ConsentEvents,
  ) {}

  /** True when a packet on the pair would change something (call {@link heard} then). */
  get attention(): boolean {
    return this.probing || this.silentReported;
  }

  /** Starts watching `pair` (a newly selected pair). */
  watch(pair: CandidatePair): void {
    this.pair = pair;
    this.probing = false;
    this.silentReported = false;
    this.lost = false;
    if (pair.lastConsentAt < pair.lastReceivedAt) pair.lastConsentAt = pair.lastReceivedAt;
    if (this.requestTimer === undefined) this.scheduleRequest();
    this.watchdog?.cancel();
    this.watchdog = undefined;
    this.arm();
  }

  /** A packet arrived on the watched pair while {@link attention} was set. */
  heard(): void {
    this.probing = false;
    this.silentReported = false;
    this.arm();
  }

  /** Stops every timer. */
  stop(): void {
    this.requestTimer?.cancel();
    this.requestTimer = undefined;
    this.watchdog?.cancel();
    this.watchdog = undefined;
    this.watchdogAt = Number.POSITIVE_INFINITY;
    this.pair = undefined;
  }

  private scheduleRequest(): void {
    // RFC 7675 §5.1: randomized to 0.8–1.2 of the interval.
    const delay = this.timing.intervalMs * (0.8 + 0.4 * this.timing.random());
    this.requestTimer = this.clock.setTimeout(() => {
      this.requestTimer = undefined;
      const pair = this.pair;
      if (pair === undefined || this.lost) return;
      this.events.request(pair);
      this.scheduleRequest();
    }, delay);
  }

  /** Arms the timer at the next threshold whose crossing changes something (never spins). */
  private arm(): void {
    const pair = this.pair;
    if (pair === undefined || this.lost) return;
    let at = pair.lastConsentAt + this.timing.failedAfterMs;
    if (!this.silentReported)
      at = Math.min(at, pair.lastReceivedAt + this.timing.disconnectedAfterMs);
    if (!this.probing && this.events.wantsProbe()) {
      at = Math.min(at, pair.lastReceivedAt + this.timing.probeAfterMs);
    }
    if (this.watchdog !== undefined && this.watchdogAt <= at) return;
    this.watchdog?.cancel();
    this.watchdogAt = at;
    this.watchdog = this.clock.setTimeout(() => this.fire(), at - this.clock.now());
  }

  private fire(): void {
    this.watchdog = undefined;
    this.watchdogAt = Number.POSITIVE_INFINITY;
    const pair = this.pair;
    if (pair === undefined || this.lost) return;
    // A timer may fire a hair before its due time (floating point): compare with slack.
    const now = this.clock.now() + 1e-6;
    const silent = now - pair.lastReceivedAt;
    if (now - pair.lastConsentAt >= this.timing.failedAfterMs) {
      this.lost = true;
      this.requestTimer?.cancel();
      this.requestTimer = undefined;
      this.events.expired(pair, now - pair.lastConsentAt);
      return;
    }
    if (!this.probing && silent >= this.timing.probeAfterMs && this.events.wantsProbe()) {
      this.probing = true;
      this.events.probe(pair);
    }
    if (!this.silentReported && silent >= this.timing.disconnectedAfterMs) {
      this.silentReported = true;
      this.events.silent(pair, silent);
    }
    this.arm();
  }
}

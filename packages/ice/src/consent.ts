/**
 * Consent freshness (RFC 7675) and liveness of the selected pair, on one timer armed at the
 * next moment something is due: the next consent request (randomized interval), `quietAfter`
 * (nothing heard for a while, or no consent response for half of `failedAfter`: ask now, then
 * every `quietInterval` until something comes back),
 * `probeAfter` (look for a spare path), `disconnectedAfter` (no packet of any kind) and
 * `failedAfter` (no authenticated consent response: consent expired, RFC 7675 §5.1).
 * Receiving costs nothing: the timer reads the pair's timestamps when it fires.
 *
 * Why the quiet phase: a consent request every ~5 s (RFC 7675's default) is enough for
 * consent and costs little on an idle server, but alone it leaves gaps of 6 s without a
 * packet, above the 2.5 s of silence that means `disconnected`. Both ends hear each exchange (the requester the answer,
 * the answerer the request), so a pair is rarely quiet for `quietAfter`; when it is, a few
 * quick requests tell a lost packet from a dead path before `disconnectedAfter`.
 */
import type { Clock, Timer } from '@x/transport';
import type { CandidatePair } from './candidate-pair.js';

/** Timing of the monitor (see `ConsentOptions` for the defaults and why). */
export interface ConsentTiming {
  readonly intervalMs: number;
  /**
   * Silence (no packet of any kind) after which a request goes out at once, randomized
   * ×0.8–1.2 for each silence; undefined: requests at `intervalMs` only.
   */
  readonly quietAfterMs?: number;
  /** Interval between requests while quiet, randomized ×0.8–1.2. Default `intervalMs`. */
  readonly quietIntervalMs?: number;
  readonly probeAfterMs: number;
  readonly disconnectedAfterMs: number;
  readonly failedAfterMs: number;
  /** Uniform draws in [0, 1) for the randomized intervals (RFC 7675 §5.1). */
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

/** A timer this late means the process was busy: its decisions wait for the input (see fire). */
const LATE_MS = 100;
/** How long they wait: a few turns of the event loop, each reading what a socket holds. */
const RECHECK_MS = 20;

/** Watches one pair at a time (the selected one). */
export class ConsentMonitor {
  private pair: CandidatePair | undefined;
  private timer: Timer | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  /** When the next consent request is due. */
  private requestAt = Number.POSITIVE_INFINITY;
  private lastRequestAt = Number.NEGATIVE_INFINITY;
  /** This silence's `quietAfterMs`, randomized, counted from `quietFrom` (a packet's time). */
  private quietAt = Number.POSITIVE_INFINITY;
  private quietFrom = Number.NEGATIVE_INFINITY;
  /** Probing for a spare path since the pair went quiet. */
  probing = false;
  /** `silent` was reported and nothing has been heard since. */
  silentReported = false;
  /**
   * Nothing heard for `quietAfterMs` (or consent aging): quick requests every
   * `quietIntervalMs`, backing off once the pair was reported silent (see quickInterval).
   */
  quiet = false;
  /** Quick requests sent since the pair was reported silent (their interval backs off). */
  private quickRequests = 0;
  /** The timer fired late and waits {@link RECHECK_MS} for the input before it decides. */
  private recheck = false;
  /** Consent expired on the watched pair (RFC 7675 §5.2: do not send). */
  lost = false;

  constructor(
    private readonly clock: Clock,
    private readonly timing: ConsentTiming,
    private readonly events: ConsentEvents,
  ) {}

  /** True when a packet on the pair would change something (call {@link heard} then). */
  get attention(): boolean {
    return this.probing || this.silentReported || this.quiet;
  }

  /** Starts watching `pair` (a newly selected pair). */
  watch(pair: CandidatePair): void {
    const first = this.pair === undefined;
    this.pair = pair;
    this.probing = false;
    this.silentReported = false;
    this.quiet = false;
    this.quickRequests = 0;
    this.recheck = false;
    this.lost = false;
    if (pair.lastConsentAt < pair.lastReceivedAt) pair.lastConsentAt = pair.lastReceivedAt;
    // The schedule of requests goes on across a switch of pairs.
    if (first || this.requestAt === Number.POSITIVE_INFINITY) {
      this.requestAt = this.clock.now() + this.draw(this.timing.intervalMs);
    }
    this.drawQuiet(pair);
    this.rearm();
  }

  /** A packet arrived on the watched pair while {@link attention} was set. */
  heard(): void {
    const pair = this.pair;
    if (pair === undefined) return;
    this.probing = false;
    this.silentReported = false;
    this.quickRequests = 0;
    if (this.quiet && !this.consentAging(pair, this.clock.now())) {
      // Back to the regular schedule, counted from the last request; the timer of the next
      // quick request is not needed any more.
      this.quiet = false;
      this.requestAt = this.lastRequestAt + this.draw(this.timing.intervalMs);
      this.timer?.cancel();
      this.timer = undefined;
      this.timerAt = Number.POSITIVE_INFINITY;
    }
    this.drawQuiet(pair);
    this.rearm();
  }

  /** Stops every timer. */
  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    this.requestAt = Number.POSITIVE_INFINITY;
    this.pair = undefined;
  }

  /**
   * The interval before the next quick request: `quietIntervalMs` until the pair is reported
   * silent (so that a few lost packets are told from a dead path before
   * `disconnectedAfterMs`), then ×1.5 per request, up to half of `intervalMs`. Backing off, as
   * STUN retransmissions do, keeps a stall from feeding itself: when a busy server stops
   * answering for a moment, all of its connections go silent at once, on both ends, and quick
   * requests at a fixed pace (six a second each) would bury it under more than it can answer
   * (measured with 10 000 connections on one UDP port: 350 000 datagrams dropped at its socket
   * within 15 s, and two thirds of the connections failed with their consent expired).
   */
  private quickInterval(): number {
    const first = this.timing.quietIntervalMs ?? this.timing.intervalMs;
    if (!this.silentReported) return first;
    const interval = first * 1.5 ** this.quickRequests++;
    return Math.min(interval, Math.max(first, this.timing.intervalMs / 2));
  }

  /** RFC 7675 §5.1: an interval randomized to 0.8–1.2 of `ms`. */
  private draw(ms: number): number {
    return ms * (0.8 + 0.4 * this.timing.random());
  }

  /** No consent response for half of `failedAfterMs`: ask quickly before consent expires. */
  private consentAging(pair: CandidatePair, now: number): boolean {
    return (
      this.timing.quietAfterMs !== undefined &&
      now - pair.lastConsentAt >= this.timing.failedAfterMs / 2
    );
  }

  private drawQuiet(pair: CandidatePair): void {
    const q = this.timing.quietAfterMs;
    this.quietFrom = pair.lastReceivedAt;
    this.quietAt = q === undefined ? Number.POSITIVE_INFINITY : pair.lastReceivedAt + this.draw(q);
  }

  /** The next moment whose crossing changes something (never in a loop: each is passed once). */
  private nextAt(pair: CandidatePair): number {
    let at = Math.min(this.requestAt, pair.lastConsentAt + this.timing.failedAfterMs);
    if (!this.quiet) {
      at = Math.min(at, this.quietAt);
      if (this.timing.quietAfterMs !== undefined)
        at = Math.min(at, pair.lastConsentAt + this.timing.failedAfterMs / 2);
    }
    if (!this.silentReported)
      at = Math.min(at, pair.lastReceivedAt + this.timing.disconnectedAfterMs);
    if (!this.probing && this.events.wantsProbe()) {
      at = Math.min(at, pair.lastReceivedAt + this.timing.probeAfterMs);
    }
    return at;
  }

  /** Arms the one timer at {@link nextAt}, unless it is already armed earlier. */
  private rearm(): void {
    const pair = this.pair;
    if (pair === undefined || this.lost) return;
    const at = this.nextAt(pair);
    if (this.timer !== undefined && this.timerAt <= at) return;
    this.timer?.cancel();
    this.timerAt = at;
    this.timer = this.clock.setTimeout(() => this.fire(), at - this.clock.now());
  }

  private fire(): void {
    const due = this.timerAt;
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    const pair = this.pair;
    if (pair === undefined || this.lost) return;
    // Fired late: the process was busy (a long task, a pause), and what arrived meanwhile
    // still waits in the socket, unread (timers run before I/O in an event loop turn). Judged
    // now, every pair of a busy server would look silent at once and send quick requests to
    // peers that did answer. Look again once that input was read.
    if (this.clock.now() - due > LATE_MS && !this.recheck) {
      this.recheck = true;
      this.timerAt = this.clock.now() + RECHECK_MS;
      this.timer = this.clock.setTimeout(() => this.fire(), RECHECK_MS);
      return;
    }
    this.recheck = false;
    // A timer may fire a hair before its due time (floating point): compare with slack.
    const now = this.clock.now() + 1e-6;
    if (now - pair.lastConsentAt >= this.timing.failedAfterMs) {
      this.lost = true;
      this.requestAt = Number.POSITIVE_INFINITY;
      this.events.expired(pair, now - pair.lastConsentAt);
      return;
    }
    const silent = now - pair.lastReceivedAt;
    if (!this.quiet && this.timing.quietAfterMs !== undefined) {
      // Heard since the draw: a new draw from the last packet; else the pair is quiet.
      if (pair.lastReceivedAt > this.quietFrom) this.drawQuiet(pair);
      if (now >= this.quietAt || this.consentAging(pair, now)) {
        this.quiet = true;
        this.requestAt = Math.min(this.requestAt, now);
      }
    }
    if (now >= this.requestAt) {
      this.lastRequestAt = now;
      this.requestAt = now + this.draw(this.quiet ? this.quickInterval() : this.timing.intervalMs);
      this.events.request(pair);
    }
    if (!this.probing && silent >= this.timing.probeAfterMs && this.events.wantsProbe()) {
      this.probing = true;
      this.events.probe(pair);
    }
    if (!this.silentReported && silent >= this.timing.disconnectedAfterMs) {
      this.silentReported = true;
      this.events.silent(pair, silent);
    }
    this.rearm();
  }
}

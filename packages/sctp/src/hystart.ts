/**
 * HyStart++ (RFC 9406) for the initial slow start: it watches the smallest RTT of each round
 * and, once that rises by a threshold over the round before, leaves slow start for Conservative
 * Slow Start (CSS, a quarter of slow start's growth), and after CSS_ROUNDS rounds of CSS for
 * congestion avoidance, instead of growing until the first loss. RFC 9260 §7.2.1 bounds slow
 * start's growth from above ("at most"); this only ever grows less.
 *
 * A queue that builds inside the peer (Chromium's network process reads the socket and queues
 * the packets for its renderer, which reads them more slowly) shows as a rising RTT long before
 * anything is lost: without this, the first slow start against Chromium grew the window to
 * megabytes, and its first loss took hundreds of packets at once, retransmissions included,
 * which only T3-rtx recovers.
 */

import { tsnLt } from './serial.js';

/** RFC 9406 §4.3 constants. */
const MIN_RTT_THRESH_MS = 4;
const MAX_RTT_THRESH_MS = 16;
const MIN_RTT_DIVISOR = 8;
const N_RTT_SAMPLE = 8;
const CSS_GROWTH_DIVISOR = 4;
const CSS_ROUNDS = 5;

export enum SlowStartPhase {
  /** Standard slow start, RTT watched. */
  SlowStart,
  /** Conservative Slow Start: growth divided by CSS_GROWTH_DIVISOR. */
  Conservative,
  /** Done: CSS ran its rounds (enter congestion avoidance), or a loss ended the initial slow start. */
  Done,
}

/** The RTT rounds of the initial slow start and when to leave it. */
export class HyStart {
  phase = SlowStartPhase.SlowStart;
  /** The round ends when the cumulative ack reaches this TSN (RFC 9406 windowEnd). */
  private roundEnd: number | undefined;
  private lastRoundMinRtt = Number.POSITIVE_INFINITY;
  private currentRoundMinRtt = Number.POSITIVE_INFINITY;
  private samples = 0;
  private cssBaselineMinRtt = Number.POSITIVE_INFINITY;
  private cssRounds = 0;

  /** How much of slow start's growth applies now: 1, or 1/4 in CSS. */
  get divisor(): number {
    return this.phase === SlowStartPhase.Conservative ? CSS_GROWTH_DIVISOR : 1;
  }

  /**
   * After a SACK: a new round starts once `cumAck` reaches the round's end; the next round
   * ends at `nextTsn`, the first TSN not sent yet. Returns true when CSS has run its rounds and
   * the sender is to enter congestion avoidance.
   */
  onAck(cumAck: number, nextTsn: number): boolean {
    if (this.phase === SlowStartPhase.Done) return false;
    if (this.roundEnd !== undefined && tsnLt(cumAck, this.roundEnd)) return false;
    const first = this.roundEnd === undefined;
    this.roundEnd = nextTsn;
    if (first) return false;
    this.lastRoundMinRtt = this.currentRoundMinRtt;
    this.currentRoundMinRtt = Number.POSITIVE_INFINITY;
    this.samples = 0;
    if (this.phase === SlowStartPhase.Conservative && ++this.cssRounds >= CSS_ROUNDS) {
      this.phase = SlowStartPhase.Done;
      return true;
    }
    return false;
  }

  /** An RTT sample, ms (RFC 9406 §4.2: in slow start and in CSS). */
  onRtt(ms: number): void {
    if (this.phase === SlowStartPhase.Done) return;
    if (ms < this.currentRoundMinRtt) this.currentRoundMinRtt = ms;
    this.samples++;
    if (this.samples < N_RTT_SAMPLE) return;
    if (this.phase === SlowStartPhase.SlowStart) {
      if (this.lastRoundMinRtt === Number.POSITIVE_INFINITY) return;
      const thresh = Math.min(
        MAX_RTT_THRESH_MS,
        Math.max(MIN_RTT_THRESH_MS, this.lastRoundMinRtt / MIN_RTT_DIVISOR),
      );
      if (this.currentRoundMinRtt >= this.lastRoundMinRtt + thresh) {
        this.cssBaselineMinRtt = this.currentRoundMinRtt;
        this.cssRounds = 0;
        this.phase = SlowStartPhase.Conservative;
      }
    } else if (this.currentRoundMinRtt < this.cssBaselineMinRtt) {
      // The RTT fell back: the rise was not a queue; back to slow start.
      this.cssBaselineMinRtt = Number.POSITIVE_INFINITY;
      this.phase = SlowStartPhase.SlowStart;
    }
  }

  /** A loss (fast retransmit or T3-rtx): HyStart++ is for the initial slow start only. */
  end(): void {
    this.phase = SlowStartPhase.Done;
  }
}

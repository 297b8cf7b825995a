/**
 * SCTP congestion control for one destination (RFC 9260 §7.2): the congestion window and
 * slow-start threshold, slow start (§7.2.1) and congestion avoidance (§7.2.2), halving on a
 * loss found by fast retransmit with fast recovery (§7.2.3, §7.2.4), and the collapse to one
 * MTU on T3-rtx expiry (§7.2.3). It counts bytes; the sender tells it what was acknowledged,
 * what was lost, how much was in flight, and what stopped it sending. The initial slow start
 * may end before its first loss on a rising RTT (RFC 9406 HyStart++, hystart.ts).
 */

import { HyStart, SlowStartPhase } from './hystart.js';
import { tsnLt } from './serial.js';

/** cwnd and ssthresh of one association, and how they move. */
export class CongestionControl {
  /** The congestion window, bytes. */
  cwnd: number;
  /** The slow-start threshold, bytes. */
  ssthresh: number;
  private partialBytesAcked = 0;
  /**
   * The window, not the queue or the peer's receive window, stopped the sender the last time it
   * had the chance to send (see {@link CongestionControl.onSendStopped}).
   */
  private windowLimited = false;
  private inFastRecovery = false;
  /** The highest TSN outstanding when fast recovery began (§7.2.4 step 2). */
  private fastRecoveryExit = 0;
  /** When the initial slow start ends before its first loss (RFC 9406). */
  private readonly hystart = new HyStart();

  /**
   * @param mtu - the PMTU in use.
   * @param peerRwnd - the peer's a_rwnd from its INIT or INIT-ACK.
   */
  constructor(
    private mtu: number,
    peerRwnd: number,
  ) {
    // RFC 9260 §7.2.1: initial cwnd = min(4 MTU, max(2 MTU, 4404)); ssthresh = peer's a_rwnd.
    this.cwnd = Math.min(4 * mtu, Math.max(2 * mtu, 4404));
    this.ssthresh = peerRwnd;
  }

  /** The PMTU changed: it scales the window's steps from now on (RFC 8899). */
  setMtu(mtu: number): void {
    this.mtu = mtu;
  }

  /**
   * The sender stopped writing DATA with `flightSize` bytes in flight: the window was in use
   * if that is all of it. SACKs are handled as they are read and the window is refilled once
   * the event loop has handed over every datagram of a turn, so the SACKs after the first of a
   * turn find the flight already lowered by the ones before: what tells whether the window was
   * fully utilized is the flight when the sender last stopped, not the flight each SACK finds.
   */
  onSendStopped(flightSize: number): void {
    this.windowLimited = flightSize >= this.cwnd;
  }

  /**
   * §7.2.3 and §7.2.4 step 2: fast retransmit found a loss. Outside fast recovery, halves the
   * window and enters it until `highestOutstanding` is acknowledged.
   */
  onFastRetransmit(highestOutstanding: number): void {
    if (this.inFastRecovery) return;
    this.hystart.end();
    this.ssthresh = Math.max(this.cwnd >>> 1, 4 * this.mtu);
    this.cwnd = this.ssthresh;
    this.partialBytesAcked = 0;
    this.inFastRecovery = true;
    this.fastRecoveryExit = highestOutstanding;
  }

  /**
   * After a SACK: leaves fast recovery once `cumAck` covers its exit point (§7.2.4),
   * then grows the window when the cumulative ack advanced and the window was in use
   * (§7.2.1, §7.2.2): full before this SACK, or full when the sender last stopped (see
   * {@link CongestionControl.onSendStopped}). `ackedByCum` counts the bytes newly covered by
   * the cumulative ack, `newlyAcked` those newly acknowledged in any way, `flightBefore` the
   * bytes in flight before the SACK, `nextTsn` the first TSN not sent yet (where the current
   * RTT round of HyStart++ ends).
   */
  onSack(
    cumAck: number,
    cumAdvanced: boolean,
    ackedByCum: number,
    newlyAcked: number,
    flightBefore: number,
    nextTsn: number,
  ): void {
    if (this.inFastRecovery && !tsnLt(cumAck, this.fastRecoveryExit)) this.inFastRecovery = false;
    if (this.cwnd <= this.ssthresh && this.hystart.onAck(cumAck, nextTsn)) {
      // RFC 9406 §4.2: CSS ran its rounds: congestion avoidance from this window on.
      this.ssthresh = this.cwnd;
    }
    if (cumAdvanced && ackedByCum > 0 && !this.inFastRecovery) {
      const fullyUsed = this.windowLimited || flightBefore + this.mtu > this.cwnd;
      if (this.cwnd <= this.ssthresh) {
        if (fullyUsed)
          this.cwnd += Math.floor(Math.min(ackedByCum, this.mtu) / this.hystart.divisor);
      } else {
        this.partialBytesAcked += newlyAcked;
        if (this.partialBytesAcked >= this.cwnd && fullyUsed) {
          this.partialBytesAcked -= this.cwnd;
          this.cwnd += this.mtu;
        }
      }
    }
  }

  /** An RTT sample in ms, from a SACK (RFC 9406 watches them during the initial slow start). */
  onRtt(ms: number): void {
    if (this.hystart.phase !== SlowStartPhase.Done) this.hystart.onRtt(ms);
  }

  /** §7.2.3: T3-rtx expired: ssthresh halved (at least 4 MTU), cwnd one MTU, no recovery. */
  onT3Expired(): void {
    this.hystart.end();
    this.ssthresh = Math.max(this.cwnd >>> 1, 4 * this.mtu);
    this.cwnd = this.mtu;
    this.partialBytesAcked = 0;
    this.inFastRecovery = false;
  }
}

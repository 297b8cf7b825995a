/**
 * SCTP congestion control for one destination (RFC 9260 §7.2): the congestion window and
 * slow-start threshold, slow start (§7.2.1) and congestion avoidance (§7.2.2), halving on a
 * loss found by fast retransmit with fast recovery (§7.2.3, §7.2.4), and the collapse to one
 * MTU on T3-rtx expiry (§7.2.3). It counts bytes; the sender tells it what was acknowledged,
 * what was lost, and how much was in flight.
 */

import { tsnLt } from './serial.js';

/** cwnd and ssthresh of one association, and how they move. */
export class CongestionControl {
  /** The congestion window, bytes. */
  cwnd: number;
  /** The slow-start threshold, bytes. */
  ssthresh: number;
  private partialBytesAcked = 0;
  private inFastRecovery = false;
  /** The highest TSN outstanding when fast recovery began (§7.2.4 step 2). */
  private fastRecoveryExit = 0;

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
   * §7.2.3 and §7.2.4 step 2: fast retransmit found a loss. Outside fast recovery, halves the
   * window and enters it until `highestOutstanding` is acknowledged.
   */
  onFastRetransmit(highestOutstanding: number): void {
    if (this.inFastRecovery) return;
    this.ssthresh = Math.max(this.cwnd >>> 1, 4 * this.mtu);
    this.cwnd = this.ssthresh;
    this.partialBytesAcked = 0;
    this.inFastRecovery = true;
    this.fastRecoveryExit = highestOutstanding;
  }

  /**
   * After a SACK: leaves fast recovery once `cumAck` covers its exit point (§7.2.4),
   * then grows the window when the cumulative ack advanced and the window was in use
   * (§7.2.1, §7.2.2). `ackedByCum` counts the bytes newly covered by the cumulative ack,
   * `newlyAcked` those newly acknowledged in any way, `flightBefore` the bytes in flight
   * before the SACK.
   */
  onSack(
    cumAck: number,
    cumAdvanced: boolean,
    ackedByCum: number,
    newlyAcked: number,
    flightBefore: number,
  ): void {
    if (this.inFastRecovery && !tsnLt(cumAck, this.fastRecoveryExit)) this.inFastRecovery = false;
    if (cumAdvanced && ackedByCum > 0 && !this.inFastRecovery) {
      const fullyUsed = flightBefore + this.mtu > this.cwnd;
      if (this.cwnd <= this.ssthresh) {
        if (fullyUsed) this.cwnd += Math.min(ackedByCum, this.mtu);
      } else {
        this.partialBytesAcked += newlyAcked;
        if (this.partialBytesAcked >= this.cwnd && fullyUsed) {
          this.partialBytesAcked -= this.cwnd;
          this.cwnd += this.mtu;
        }
      }
    }
  }

  /** §7.2.3: T3-rtx expired: ssthresh halved (at least 4 MTU), cwnd one MTU, no recovery. */
  onT3Expired(): void {
    this.ssthresh = Math.max(this.cwnd >>> 1, 4 * this.mtu);
    this.cwnd = this.mtu;
    this.partialBytesAcked = 0;
    this.inFastRecovery = false;
  }
}

/**
 * Packetization Layer Path MTU Discovery for SCTP (RFC 8899 §4, §5 and §6.2, as RFC 8261 §5
 * asks of SCTP over DTLS): the association starts at the base PMTU (1200 bytes in WebRTC,
 * RFC 8831 §5) and, when the layer below says larger packets may fit, probes bigger sizes with
 * a HEARTBEAT padded by a PAD chunk (RFC 4820). A probe confirmed by its HEARTBEAT-ACK raises
 * the PMTU; a size whose probes all go unanswered is not used. Probes carry no user data, so a
 * lost probe costs nothing but the probe (§4.1), and it is not taken as a congestion signal.
 *
 * The search: the largest allowed size first (it succeeds at once where the link is large,
 * e.g. loopback), then a binary search between the largest confirmed size and the smallest
 * failed one, down to {@link SEARCH_GRANULARITY} bytes. Black-hole detection (§4.3): when DATA
 * keeps timing out at a raised PMTU, the association falls back to the base and searches again.
 * A search that ended below the maximum tries again after {@link RAISE_INTERVAL_MS} (§5.1.1
 * PMTU_RAISE_TIMER).
 */

import type { DeadlineTimer } from './timer.js';

/** Probes of one size sent before that size is taken as too large (RFC 8899 §5.1.2 MAX_PROBES). */
export const MAX_PROBES = 3;
/** Wait for a probe's acknowledgement; RFC 8899 §5.1.1 says at least 1 s. */
export const PROBE_TIMEOUT_MS = 1000;
/** Re-search after a search that ended below the maximum (RFC 8899 §5.1.1, 600 s). */
export const RAISE_INTERVAL_MS = 600_000;
/** The search stops when the confirmed and the failed size are this close. */
export const SEARCH_GRANULARITY = 64;
/** Consecutive DATA retransmission timeouts at a raised PMTU taken as a black hole (§4.3). */
export const BLACK_HOLE_TIMEOUTS = 2;
/** Length of a probe's Heartbeat Info: time (f64), nonce (u32), size (u32). */
export const PROBE_INFO_LENGTH = 16;

/** Why the PMTU changed. */
export type PathMtuChange = 'probe-acknowledged' | 'black-hole' | 'limit-lowered';

/** What the search needs from the association. */
export interface PathMtuHost {
  /** Sends one probe packet of exactly `size` bytes carrying a HEARTBEAT with `info`. */
  sendProbe(size: number, info: Uint8Array): void;
  /** The PMTU in use changed to `mtu`. */
  changed(mtu: number, reason: PathMtuChange): void;
  /** Current time, ms. */
  now(): number;
  /** Current retransmission timeout, ms. */
  rto(): number;
  /** Draws a nonce. */
  nonce(): number;
}

const align4 = (n: number): number => n & ~3;

/** The PMTU search of one association (RFC 8899 §5.2's states, folded into a few fields). */
export class PathMtuSearch {
  private current: number;
  private ceiling: number;
  /** Smallest size known not to pass, or `ceiling + 1` when none is known. */
  private failed: number;
  private probing = 0;
  private probeCount = 0;
  private probeNonce = 0;
  private t3Streak = 0;
  private running = false;

  constructor(
    private readonly host: PathMtuHost,
    private readonly probeTimer: DeadlineTimer,
    private readonly raiseTimer: DeadlineTimer,
    /** BASE_PLPMTU: always assumed to pass. */
    readonly base: number,
    max: number,
  ) {
    this.current = base;
    this.ceiling = Math.max(base, align4(max));
    this.failed = this.ceiling + 1;
  }

  /** The PMTU in use. */
  get mtu(): number {
    return this.current;
  }

  /** The largest PMTU the search may reach. */
  get max(): number {
    return this.ceiling;
  }

  /** True while a probe is outstanding. */
  get searching(): boolean {
    return this.probing !== 0;
  }

  /** Starts the search (once the association is established). */
  start(): void {
    this.running = true;
    this.next();
  }

  /** Stops every timer; the search does nothing more. */
  stop(): void {
    this.running = false;
    this.probing = 0;
    this.probeTimer.release();
    this.raiseTimer.release();
  }

  /**
   * Sets the largest size the layer below allows (e.g. after the path changed). Lowering it
   * below the PMTU in use drops to the base and searches again.
   */
  setMax(max: number): void {
    const ceiling = Math.max(this.base, align4(max));
    if (ceiling === this.ceiling) return;
    this.ceiling = ceiling;
    this.failed = ceiling + 1;
    this.probing = 0;
    this.probeTimer.release();
    this.raiseTimer.release();
    if (this.current > ceiling) this.set(this.base, 'limit-lowered');
    if (this.running) this.next();
  }

  /**
   * Offers a HEARTBEAT-ACK's info; returns true when it answered one of our probes (the
   * caller then ignores it as a heartbeat).
   */
  onHeartbeatAck(info: Uint8Array): boolean {
    if (info.length !== PROBE_INFO_LENGTH) return false;
    const view = new DataView(info.buffer, info.byteOffset, info.byteLength);
    const nonce = view.getUint32(8);
    const size = view.getUint32(12);
    if (this.probing === 0 || nonce !== this.probeNonce || size !== this.probing) return true;
    this.probing = 0;
    this.probeTimer.release();
    if (size > this.current) this.set(size, 'probe-acknowledged');
    this.next();
    return true;
  }

  /** DATA was acknowledged: the path carries packets of the current size. */
  onProgress(): void {
    this.t3Streak = 0;
  }

  /** A DATA retransmission timer expired (RFC 8899 §4.3 black-hole detection). */
  onDataTimeout(): void {
    if (this.current <= this.base) return;
    if (++this.t3Streak < BLACK_HOLE_TIMEOUTS) return;
    this.t3Streak = 0;
    // The raised size may no longer pass: fall back, and search again from the base.
    this.failed = this.current;
    this.set(this.base, 'black-hole');
    this.probing = 0;
    this.probeTimer.release();
    if (this.running) this.next();
  }

  /** Called by the probe timer. */
  onProbeTimeout(): void {
    if (!this.running || this.probing === 0) return;
    if (this.probeCount < MAX_PROBES) {
      this.send(this.probing);
      return;
    }
    this.failed = this.probing;
    this.probing = 0;
    this.next();
  }

  /** Called by the raise timer: the path may have grown since the search ended. */
  onRaiseTimeout(): void {
    if (!this.running) return;
    this.failed = this.ceiling + 1;
    this.next();
  }

  private next(): void {
    if (!this.running || this.probing !== 0) return;
    const high = Math.min(this.ceiling, this.failed - 1);
    if (high - this.current < SEARCH_GRANULARITY) {
      // Done; if a size failed below the ceiling, try again later (§5.1.1).
      if (this.current < this.ceiling) this.raiseTimer.start(RAISE_INTERVAL_MS);
      return;
    }
    // The largest candidate first; after a failure, halfway.
    const size =
      this.failed > this.ceiling ? high : align4(this.current + ((high - this.current) >>> 1));
    this.probeCount = 0;
    this.probing = size;
    this.probeNonce = this.host.nonce();
    this.send(size);
  }

  private send(size: number): void {
    this.probeCount++;
    const info = new Uint8Array(PROBE_INFO_LENGTH);
    const view = new DataView(info.buffer);
    view.setFloat64(0, this.host.now());
    view.setUint32(8, this.probeNonce);
    view.setUint32(12, size);
    this.host.sendProbe(size, info);
    this.probeTimer.start(Math.max(PROBE_TIMEOUT_MS, this.host.rto()));
  }

  private set(mtu: number, reason: PathMtuChange): void {
    if (mtu === this.current) return;
    this.current = mtu;
    this.t3Streak = 0;
    this.host.changed(mtu, reason);
  }
}

/**
 * The receiver side of transport-wide congestion control
 * (draft-holmer-rmcat-transport-wide-cc-extensions-01 §2, §3.1): every RTP packet of the
 * connection carries a transport-wide sequence number; the receiver notes when each arrived and
 * reports the arrivals to the media sender in RTCP TWCC feedback, as libwebrtc's
 * `RemoteEstimatorProxy` (periodic mode) does.
 */

import { RtpConfigurationError } from '../errors.js';
import { buildTwccFeedback, type TwccArrival } from '../rtcp/twcc-builder.js';
import type { RtcpTwcc } from '../rtcp/twcc.js';
import { SequenceNumberUnwrapper } from '../stream/unwrap.js';
import { ByteWindow } from './byte-window.js';

/** Options of {@link TwccRecorder}. */
export interface TwccRecorderOptions {
  /** SSRC the feedback is sent from (our RTCP SSRC). */
  readonly senderSsrc: number;
  /** Media SSRC of the feedback; default 0 (libwebrtc puts one media SSRC, receivers ignore it). */
  readonly mediaSsrc?: number;
  /**
   * A fixed feedback interval in ms. Default: adaptive, as libwebrtc: 100 ms until the incoming
   * rate is known, then the interval at which a 68-byte feedback packet takes 5 % of the
   * incoming rate, clamped to 50–250 ms (2.2 kb/s of feedback at most every 250 ms, 10.9 kb/s
   * at most every 50 ms; 100 ms at about 109 kb/s, 50 ms from 218 kb/s up).
   */
  readonly intervalMs?: number;
  /**
   * Arrivals kept, at most (a ring: the oldest is dropped past it). Default 8192 (libwebrtc
   * keeps up to 2¹⁵ for 500 ms; 8192 is 500 ms at 16 000 packets/s).
   */
  readonly maxPackets?: number;
  /**
   * How long a reported arrival is kept to re-report it when an older packet arrives late
   * (reordering), in ms of arrival time behind the newest. Default 500 (libwebrtc's back
   * window).
   */
  readonly backWindowMs?: number;
}

/** Default feedback interval before the incoming rate is known (libwebrtc `kDefaultInterval`). */
const TWCC_DEFAULT_INTERVAL_MS = 100;
const MIN_INTERVAL_MS = 50;
const MAX_INTERVAL_MS = 250;
/** Size libwebrtc assumes for one feedback packet with its IP/UDP/SRTCP overhead, bytes. */
const FEEDBACK_SIZE_BYTES = 68;
/** Share of the incoming rate that feedback may take. */
const FEEDBACK_BANDWIDTH_FRACTION = 0.05;
const RATE_WINDOW_MS = 1000;

/**
 * Records the arrival of every RTP packet of a connection by its transport-wide sequence number
 * and builds the TWCC feedback packets (draft-holmer-rmcat-transport-wide-cc-extensions-01
 * §3.1) at the interval it gives through {@link TwccRecorder.nextDeadline}.
 *
 * Each feedback covers the packets from the first not yet reported to the highest received;
 * missing ones are reported lost (and reported received later if they come: a packet older
 * than the window start moves the start back to it, as libwebrtc does, so the span is
 * reported again). Memory is a fixed ring of `maxPackets` arrivals. No clock inside: times are
 * in ms on one monotonic clock.
 *
 * ```ts
 * const twcc = new TwccRecorder({ senderSsrc });
 * // for each SRTP-decrypted packet: twcc.record(readTransportSequenceNumber(p, id)!, now, size);
 * // at twcc.nextDeadline(): rtcp.sendFeedback(twcc.feedback(now));
 * ```
 */
export class TwccRecorder {
  private readonly senderSsrc: number;
  private readonly mediaSsrc: number;
  private readonly fixedIntervalMs: number | undefined;
  private readonly capacity: number;
  private readonly backWindowMs: number;
  private readonly unwrapper = new SequenceNumberUnwrapper();
  /** Arrival time in ms per extended sequence number modulo capacity; NaN: none. */
  private readonly ring: Float64Array;
  /** Lowest extended sequence number kept in the ring. */
  private base = 0;
  /** One past the highest extended sequence number received. */
  private end = 0;
  /** First extended sequence number the next feedback reports. */
  private windowStart: number | undefined;
  private fbCount = 0;
  private lastFeedbackMs: number | undefined;
  private firstArrivalMs: number | undefined;
  private newestArrivalMs = Number.NEGATIVE_INFINITY;
  /** The packets of the last RATE_WINDOW_MS, for the incoming rate. */
  private readonly rateWindow = new ByteWindow();
  private started = false;

  constructor(options: TwccRecorderOptions) {
    this.senderSsrc = options.senderSsrc;
    this.mediaSsrc = options.mediaSsrc ?? 0;
    const interval = options.intervalMs;
    if (interval !== undefined && !(interval > 0)) {
      throw new RtpConfigurationError(`TWCC intervalMs must be positive, got ${interval}`);
    }
    this.fixedIntervalMs = interval;
    const max = options.maxPackets ?? 8192;
    if (!Number.isInteger(max) || max < 16 || max > 0x8000) {
      throw new RtpConfigurationError(`TWCC maxPackets must be an integer in 16–32768, got ${max}`);
    }
    this.capacity = max;
    this.backWindowMs = options.backWindowMs ?? 500;
    this.ring = new Float64Array(max).fill(Number.NaN);
  }

  /** Feedback packets built so far (the next feedback packet count, mod 256, is this). */
  get feedbackPacketsSent(): number {
    return this.fbCount;
  }

  /** Arrivals held in memory now (bounded by `maxPackets`). */
  get packetsHeld(): number {
    let n = 0;
    for (let s = this.base; s < this.end; s++)
      if (!Number.isNaN(this.ring[s % this.capacity]!)) n++;
    return n;
  }

  /**
   * The feedback interval in ms now: the fixed one, or libwebrtc's adaptive one from the
   * incoming rate (5 % of it for 68-byte feedback packets, clamped to 50–250 ms).
   */
  get intervalMs(): number {
    if (this.fixedIntervalMs !== undefined) return this.fixedIntervalMs;
    const bps = this.incomingBitrateBps;
    if (bps === undefined) return TWCC_DEFAULT_INTERVAL_MS;
    const feedbackBps = FEEDBACK_BANDWIDTH_FRACTION * bps;
    const ms = (FEEDBACK_SIZE_BYTES * 8 * 1000) / feedbackBps;
    return Math.min(MAX_INTERVAL_MS, Math.max(MIN_INTERVAL_MS, ms));
  }

  /** Incoming rate over the last second in bits/s, from the sizes given to `record`. */
  get incomingBitrateBps(): number | undefined {
    const bytes = this.rateWindow.bytes;
    if (this.firstArrivalMs === undefined || bytes === 0) return undefined;
    const span = Math.min(RATE_WINDOW_MS, this.newestArrivalMs - this.firstArrivalMs);
    if (span < 100) return undefined;
    return (bytes * 8 * 1000) / span;
  }

  /**
   * Records one packet: its transport-wide sequence number (16 bits, as read from the header
   * extension), arrival time in ms, and optionally its size in bytes (for the adaptive
   * interval). A duplicate keeps the first arrival. Never throws on what the network sends.
   */
  record(sequenceNumber: number, arrivalMs: number, sizeBytes = 0): void {
    const seq = this.unwrapper.unwrap(sequenceNumber & 0xffff);
    if (!this.started) {
      this.started = true;
      this.base = seq;
      this.end = seq;
      this.firstArrivalMs = arrivalMs;
    }
    if (arrivalMs > this.newestArrivalMs) this.newestArrivalMs = arrivalMs;
    if (sizeBytes > 0) {
      this.rateWindow.add(arrivalMs, sizeBytes);
      this.rateWindow.dropThrough(this.newestArrivalMs - RATE_WINDOW_MS);
    }
    if (seq < this.base) {
      // Older than everything kept: too late to be reported with a receive time worth having.
      if (this.end - seq > this.capacity) return;
      for (let s = seq; s < this.base; s++) this.ring[s % this.capacity] = Number.NaN;
      this.base = seq;
    }
    if (seq >= this.end) {
      // Slide the ring: drop what falls out of it.
      const newBase = seq + 1 - this.capacity;
      if (newBase > this.base) {
        for (let s = this.base; s < Math.min(newBase, this.end); s++)
          this.ring[s % this.capacity] = Number.NaN;
        this.base = newBase;
      }
      for (let s = Math.max(this.end, this.base); s < seq; s++)
        this.ring[s % this.capacity] = Number.NaN;
      this.end = seq + 1;
    }
    const i = seq % this.capacity;
    if (Number.isNaN(this.ring[i]!)) this.ring[i] = arrivalMs;
    if (this.windowStart === undefined || seq < this.windowStart) this.windowStart = seq;
    if (this.windowStart < this.base) this.windowStart = this.base;
  }

  /** When `feedback` should next be called (ms), `undefined` while nothing is to report. */
  nextDeadline(): number | undefined {
    if (this.windowStart === undefined || this.windowStart >= this.end) return undefined;
    if (this.lastFeedbackMs === undefined) return this.newestArrivalMs;
    return this.lastFeedbackMs + this.intervalMs;
  }

  /**
   * Builds the feedback due at `nowMs` (an empty list when nothing is new), with consecutive
   * feedback packet counts (§3.1: mod 256), and forgets the reported arrivals older than the
   * back window.
   */
  feedback(nowMs: number): RtcpTwcc[] {
    const start = this.windowStart;
    if (start === undefined || start >= this.end) return [];
    const arrivals: TwccArrival[] = [];
    for (let s = Math.max(start, this.base); s < this.end; s++) {
      const t = this.ring[s % this.capacity]!;
      if (!Number.isNaN(t))
        arrivals.push({ sequenceNumber: s & 0xffff, arrivalTimeUs: Math.round(t * 1000) });
    }
    this.lastFeedbackMs = nowMs;
    this.windowStart = this.end;
    if (arrivals.length === 0) return [];
    const out = buildTwccFeedback(arrivals, {
      senderSsrc: this.senderSsrc,
      mediaSsrc: this.mediaSsrc,
      feedbackPacketCount: this.fbCount & 0xff,
    });
    this.fbCount += out.length;
    // Forget reported arrivals older than the back window (kept only to re-report on reordering).
    const horizon = this.newestArrivalMs - this.backWindowMs;
    while (this.base < this.end) {
      const t = this.ring[this.base % this.capacity]!;
      if (!Number.isNaN(t) && t >= horizon) break;
      this.ring[this.base % this.capacity] = Number.NaN;
      this.base++;
    }
    return out;
  }
}

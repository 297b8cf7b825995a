/**
 * The receiver side of REMB congestion control (draft-alvestrand-rmcat-remb-03, libwebrtc's
 * `RemoteBitrateEstimatorAbsSendTime`): for a peer that negotiated `goog-remb` but not
 * `transport-cc`, the receiver estimates what the path carries from the sender's abs-send-time
 * header extension and tells the sender in RTCP REMB. The same delay-based parts as the send
 * side (packet groups, trendline, AIMD), run on arrival instead of on feedback.
 */

import type { RtcpRemb } from '../rtcp/remb.js';
import { AcknowledgedBitrateEstimator } from './acknowledged-bitrate.js';
import { AimdRateControl } from './aimd-rate-control.js';
import { PacketGrouper } from './inter-arrival.js';
import { bitrateBounds } from './send-side-bwe.js';
import { type BandwidthUsage, TrendlineEstimator } from './trendline.js';

/** Options of {@link RembEstimator}; bitrates in bits/s. */
export interface RembEstimatorOptions {
  /** SSRC the REMB is sent from (our RTCP SSRC). Default 1. */
  readonly senderSsrc?: number;
  /** Default 300 000. */
  readonly startBitrateBps?: number;
  /** Default 30 000. */
  readonly minBitrateBps?: number;
  /** Default 10 000 000. */
  readonly maxBitrateBps?: number;
  /** A REMB at least this often, ms (libwebrtc: 1 s). Default 1000. */
  readonly intervalMs?: number;
}

/** abs-send-time: 6.18 fixed-point seconds in 24 bits, wrapping every 64 s. */
const ABS_SEND_TIME_WRAP = 1 << 24;
const ABS_SEND_TIME_UNITS_PER_MS = (1 << 18) / 1000;
/** A decrease of at least this share is sent at once (libwebrtc: 3 %). */
const IMMEDIATE_DECREASE = 0.97;
/** Streams not heard for this long leave the REMB's SSRC list, ms. */
const STREAM_TIMEOUT_MS = 2000;

/**
 * Estimates the bitrate the path from the peer carries, from each packet's arrival time and
 * abs-send-time, and says when to send a REMB ({@link RembEstimator.nextDeadline},
 * {@link RembEstimator.remb}): every `intervalMs`, and at once when the estimate falls by 3 %
 * or more. No clock inside: times are in ms on one monotonic clock.
 *
 * ```ts
 * const remb = new RembEstimator({ senderSsrc });
 * onRtp = (p) => remb.onPacket(p.ssrc, readAbsSendTime(p, ids.absSendTime), now(), p.bytes.length);
 * at remb.nextDeadline(): const packet = remb.remb(now()); if (packet) reporter.sendFeedback([packet]);
 * ```
 */
export class RembEstimator {
  private readonly senderSsrc: number;
  private readonly min: number;
  private readonly max: number;
  private readonly intervalMs: number;
  private readonly grouper = new PacketGrouper();
  private readonly trendline = new TrendlineEstimator();
  private readonly incoming = new AcknowledgedBitrateEstimator();
  private readonly aimd: AimdRateControl;
  private readonly streams = new Map<number, number>();
  private usage: BandwidthUsage = 'normal';
  private lastRaw: number | undefined;
  private sendMs = 0;
  private lastSentBps: number | undefined;
  private lastSentMs: number | undefined;
  private dueMs: number | undefined;
  private sent = 0;

  /** Throws `RtpConfigurationError` for bitrates out of order. */
  constructor(options: RembEstimatorOptions = {}) {
    this.senderSsrc = options.senderSsrc ?? 1;
    const { min, start, max } = bitrateBounds(options);
    this.min = min;
    this.max = max;
    this.intervalMs = options.intervalMs ?? 1000;
    this.aimd = new AimdRateControl({
      startBitrateBps: start,
      minBitrateBps: this.min,
      maxBitrateBps: this.max,
    });
  }

  /** The estimate now, bits/s. */
  get bitrateBps(): number {
    return this.aimd.bitrateBps;
  }

  /** The over-use detector's last signal. */
  get bandwidthUsage(): BandwidthUsage {
    return this.usage;
  }

  /** REMB packets built so far. */
  get rembsSent(): number {
    return this.sent;
  }

  /**
   * One packet of the peer's: its SSRC, its abs-send-time (24 bits; a packet without one is
   * counted in the incoming rate only), when it arrived and its size.
   */
  onPacket(
    ssrc: number,
    absSendTime: number | undefined,
    arrivalMs: number,
    sizeBytes: number,
  ): void {
    this.streams.set(ssrc, arrivalMs);
    this.incoming.add(arrivalMs, sizeBytes);
    this.dueMs ??= arrivalMs + this.intervalMs;
    if (absSendTime === undefined) return;
    if (this.lastRaw === undefined) {
      this.sendMs = absSendTime / ABS_SEND_TIME_UNITS_PER_MS;
    } else {
      let delta = (absSendTime - this.lastRaw + ABS_SEND_TIME_WRAP) % ABS_SEND_TIME_WRAP;
      if (delta >= ABS_SEND_TIME_WRAP / 2) delta -= ABS_SEND_TIME_WRAP; // sent earlier: reordered
      this.sendMs += delta / ABS_SEND_TIME_UNITS_PER_MS;
    }
    this.lastRaw = absSendTime;
    const d = this.grouper.add(this.sendMs, arrivalMs, sizeBytes);
    if (d === undefined) return;
    this.usage = this.trendline.update(d.arrivalDeltaMs, d.sendDeltaMs, d.arrivalMs);
    const rate = this.incoming.bitrateBps;
    if (this.usage === 'overusing') {
      if (rate !== undefined && this.aimd.timeToReduceFurther(arrivalMs, rate))
        this.aimd.update(this.usage, rate, arrivalMs);
    } else {
      this.aimd.update(this.usage, rate, arrivalMs);
    }
    const last = this.lastSentBps;
    if (last !== undefined && this.aimd.bitrateBps < last * IMMEDIATE_DECREASE)
      this.dueMs = arrivalMs;
  }

  /** The round-trip time (ms), from RTCP: it paces the AIMD increase and decrease. */
  onRoundTripTime(rttMs: number): void {
    this.aimd.rttMs = rttMs;
  }

  /** When a REMB is next due (ms), or `undefined` before the first packet. */
  nextDeadline(): number | undefined {
    return this.dueMs;
  }

  /** The REMB due at `nowMs`, or `undefined` when none is. */
  remb(nowMs: number): RtcpRemb | undefined {
    if (this.dueMs === undefined || nowMs < this.dueMs) return undefined;
    for (const [ssrc, at] of this.streams)
      if (nowMs - at > STREAM_TIMEOUT_MS) this.streams.delete(ssrc);
    this.dueMs = this.streams.size === 0 ? undefined : nowMs + this.intervalMs;
    if (this.streams.size === 0) return undefined;
    const bitrate = Math.floor(this.aimd.bitrateBps);
    this.lastSentBps = bitrate;
    this.lastSentMs = nowMs;
    this.sent++;
    return {
      kind: 'remb',
      senderSsrc: this.senderSsrc,
      mediaSsrc: 0,
      bitrate,
      ssrcs: [...this.streams.keys()].slice(0, 255),
    };
  }

  /** When the last REMB was built (ms), if one was. */
  get lastRembMs(): number | undefined {
    return this.lastSentMs;
  }
}

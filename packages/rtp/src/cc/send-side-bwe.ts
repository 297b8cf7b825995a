/**
 * The send-side bandwidth estimator: Google Congestion Control (draft-ietf-rmcat-gcc-02) fed
 * by transport-wide feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01), in the
 * manner of libwebrtc's goog_cc. The sender notes each packet it sends; each TWCC feedback is
 * matched to them, and two controllers run on it: the delay-based one (packet groups §5.2,
 * trendline §5.3, over-use detector §5.4, AIMD §5.5) and the loss-based one (§6). The target
 * is the smaller, within the configured bounds and the receiver's REMB (§4 of gcc-02: the
 * sender takes the minimum of A_s and A_r). A valid probe result (libwebrtc's
 * `ProbeBitrateEstimator`) sets both controllers' estimates, as goog_cc does.
 */

import { RtpConfigurationError } from '../errors.js';
import type { RtcpTwcc } from '../rtcp/twcc.js';
import { SequenceNumberUnwrapper } from '../stream/unwrap.js';
import { AcknowledgedBitrateEstimator } from './acknowledged-bitrate.js';
import { AimdRateControl, DEFAULT_RTT_MS, type RateControlState } from './aimd-rate-control.js';
import { PacketGrouper } from './inter-arrival.js';
import { LossBasedEstimator } from './loss-based.js';
import { ProbeBitrateEstimator } from './probe-estimator.js';
import { SentPackets, SentResult } from './sent-packets.js';
import { type BandwidthUsage, TrendlineEstimator, type TrendlineOptions } from './trendline.js';

/** Options of {@link SendSideBandwidthEstimator}; bitrates in bits/s. */
export interface SendSideBandwidthEstimatorOptions {
  /** Default 300 000 (libwebrtc's start bitrate). */
  readonly startBitrateBps?: number;
  /** Default 30 000. */
  readonly minBitrateBps?: number;
  /** Default 10 000 000. */
  readonly maxBitrateBps?: number;
  /** Trendline filter and detector parameters (defaults: libwebrtc's, gcc-02's k_u/k_d). */
  readonly trendline?: TrendlineOptions;
  /** How long a sent packet waits for its feedback, ms. Default 60 000 (libwebrtc). */
  readonly historyMs?: number;
}

/**
 * The bitrate bounds of an estimator with their defaults (30 kb/s, 300 kb/s to start,
 * 10 Mb/s); throws {@link RtpConfigurationError} unless 0 < min ≤ start ≤ max.
 */
export function bitrateBounds(options: {
  readonly minBitrateBps?: number | undefined;
  readonly startBitrateBps?: number | undefined;
  readonly maxBitrateBps?: number | undefined;
}): { min: number; start: number; max: number } {
  const min = options.minBitrateBps ?? 30_000;
  const max = options.maxBitrateBps ?? 10_000_000;
  const start = options.startBitrateBps ?? 300_000;
  if (!(min > 0) || !(max >= min) || !(start >= min && start <= max)) {
    throw new RtpConfigurationError(
      `bitrates must satisfy 0 < min ≤ start ≤ max, got min ${min}, start ${start}, max ${max}`,
    );
  }
  return { min, start, max };
}

/** A packet as sent: what the estimator needs of it. */
export interface SentPacketInfo {
  /** The transport-wide sequence number written in the packet (16 bits). */
  readonly transportSequenceNumber: number;
  /** Bytes on the wire (the RTP packet; add SRTP and UDP/IP overhead if you want them counted). */
  readonly sizeBytes: number;
  /** When it left, ms, on the estimator's clock. */
  readonly sendTimeMs: number;
  /** The probe cluster it was sent in (the pacer's `probeClusterId`), if any. */
  readonly probeClusterId?: number | undefined;
}

/** What the estimator knows now, for stats and logs (no timing of its own). */
export interface BandwidthEstimateDetails {
  /** The target: min(delay-based, loss-based), within the bounds and the REMB. */
  readonly targetBitrateBps: number;
  /** The AIMD controller's estimate (gcc-02 §5.5), bits/s. */
  readonly delayBasedBitrateBps: number;
  /** The loss-based controller's estimate (gcc-02 §6), capped by the delay-based one, bits/s. */
  readonly lossBasedBitrateBps: number;
  /** The receive rate of acknowledged packets (gcc-02 R_hat), bits/s. */
  readonly acknowledgedBitrateBps: number | undefined;
  /** The last valid probe result, bits/s, as applied (see `onTransportFeedback`). */
  readonly probeBitrateBps: number | undefined;
  /** The last REMB value, bits/s. */
  readonly rembBitrateBps: number | undefined;
  /** The over-use detector's last signal (gcc-02 §5.4). */
  readonly bandwidthUsage: BandwidthUsage;
  /** The AIMD state (gcc-02 §5.5). */
  readonly rateControlState: RateControlState;
  /** The last delay trend scaled by the number of deltas and the gain, m(i) in ms (gcc-02 §5.4). */
  readonly modifiedTrendMs: number;
  /** The adaptive over-use threshold γ(i), ms (gcc-02 §5.4). */
  readonly thresholdMs: number;
  /** Loss over the last ≥ 20 packets reported, 0–1. */
  readonly fractionLost: number | undefined;
  /** RTT used by the controllers, ms (given, or measured from feedback). */
  readonly roundTripTimeMs: number;
  /** TWCC feedback packets handled. */
  readonly feedbackReceived: number;
  /** TWCC feedback packets missing, as their feedback packet count shows (§3.1). */
  readonly feedbackLost: number;
}

/** Over-use feedback RTTs averaged (libwebrtc keeps the last 32 max feedback RTTs). */
const RTT_SAMPLES = 32;
/**
 * A probe result never takes the estimate below min(estimate, this × the acknowledged rate)
 * (libwebrtc `kProbeDropThroughputFraction`: a little under the throughput, to drain queues).
 */
const PROBE_DROP_THROUGHPUT_FRACTION = 0.85;

/**
 * The packets a feedback reports received, in parallel typed arrays that grow and are reused
 * (an object per packet reported would be garbage a few thousand times a second per
 * connection), and their order by arrival, then send time.
 */
class ReceivedPackets {
  count = 0;
  send = new Float64Array(64);
  arrival = new Float64Array(64);
  size = new Float64Array(64);
  /** The probe cluster of each packet, -1 for none. */
  probe = new Int32Array(64);
  private order = new Uint32Array(64);

  add(send: number, arrival: number, size: number, probe: number | undefined): void {
    if (this.count === this.send.length) this.grow();
    const i = this.count++;
    this.send[i] = send;
    this.arrival[i] = arrival;
    this.size[i] = size;
    this.probe[i] = probe ?? -1;
  }

  /** Indices of the packets by arrival, then send time; ties keep the feedback's order. */
  byArrival(): Uint32Array {
    const order = this.order.subarray(0, this.count);
    for (let i = 0; i < order.length; i++) order[i] = i;
    const { arrival, send } = this;
    // Sorting typed arrays is stable (ECMAScript 2019), as the sort of objects before was.
    order.sort((a, b) => arrival[a]! - arrival[b]! || send[a]! - send[b]!);
    return order;
  }

  private grow(): void {
    const n = this.send.length * 2;
    const send = new Float64Array(n);
    const arrival = new Float64Array(n);
    const size = new Float64Array(n);
    const probe = new Int32Array(n);
    send.set(this.send);
    arrival.set(this.arrival);
    size.set(this.size);
    probe.set(this.probe);
    this.send = send;
    this.arrival = arrival;
    this.size = size;
    this.probe = probe;
    this.order = new Uint32Array(n);
  }
}

/**
 * Send-side bandwidth estimation in the manner of GCC (draft-ietf-rmcat-gcc-02, libwebrtc
 * goog_cc), from TWCC feedback. No clock inside: every call takes the time in ms.
 *
 * ```ts
 * const bwe = new SendSideBandwidthEstimator({ startBitrateBps: 1_000_000 });
 * bwe.onPacketSent({ transportSequenceNumber: seq, sizeBytes: n, sendTimeMs: now });
 * // on RTCP: case 'twcc': bwe.onTransportFeedback(p, now); case 'remb': bwe.onRemb(p.bitrate);
 * encoder.bitrate = bwe.targetBitrateBps; pacer.setTargetBitrate(bwe.targetBitrateBps);
 * ```
 */
export class SendSideBandwidthEstimator {
  private readonly min: number;
  private readonly max: number;
  private readonly historyMs: number;
  private readonly sent: SentPackets;
  private readonly sentUnwrapper = new SequenceNumberUnwrapper();
  private readonly grouper = new PacketGrouper();
  private readonly trendline: TrendlineEstimator;
  private readonly aimd: AimdRateControl;
  private readonly loss: LossBasedEstimator;
  private readonly acked = new AcknowledgedBitrateEstimator();
  private readonly probes = new ProbeBitrateEstimator();
  /** The packets one feedback reports received, reused from feedback to feedback. */
  private readonly received = new ReceivedPackets();
  private probeResult: number | undefined;
  private remb: number | undefined;
  private target: number;
  private givenRttMs: number | undefined;
  private readonly rttSamples: number[] = [];
  private lastFbCount: number | undefined;
  private fbReceived = 0;
  private fbLost = 0;
  private usage: BandwidthUsage = 'normal';

  constructor(options: SendSideBandwidthEstimatorOptions = {}) {
    const { min, start, max } = bitrateBounds(options);
    this.min = min;
    this.max = max;
    this.historyMs = options.historyMs ?? 60_000;
    this.sent = new SentPackets(this.historyMs);
    this.trendline = new TrendlineEstimator(options.trendline);
    this.aimd = new AimdRateControl({
      startBitrateBps: start,
      minBitrateBps: this.min,
      maxBitrateBps: this.max,
    });
    this.loss = new LossBasedEstimator({ startBitrateBps: start });
    this.target = start;
  }

  /** The bitrate to send at, bits/s (media and retransmissions; the pacer runs at 2.5×). */
  get targetBitrateBps(): number {
    return this.target;
  }

  /** The over-use detector's last signal. */
  get bandwidthUsage(): BandwidthUsage {
    return this.usage;
  }

  /** Everything the estimator knows, for `availableOutgoingBitrate` and logs. */
  get details(): BandwidthEstimateDetails {
    return {
      targetBitrateBps: this.target,
      delayBasedBitrateBps: this.aimd.bitrateBps,
      lossBasedBitrateBps: this.loss.bitrateBps,
      acknowledgedBitrateBps: this.acked.bitrateBps,
      probeBitrateBps: this.probeResult,
      rembBitrateBps: this.remb,
      bandwidthUsage: this.usage,
      rateControlState: this.aimd.state,
      modifiedTrendMs: this.trendline.modifiedTrend,
      thresholdMs: this.trendline.thresholdMs,
      fractionLost: this.loss.fractionLost,
      roundTripTimeMs: this.rttMs(),
      feedbackReceived: this.fbReceived,
      feedbackLost: this.fbLost,
    };
  }

  /**
   * Notes a packet that carries a transport-wide sequence number as it leaves, with the probe
   * cluster the pacer sent it in.
   */
  onPacketSent(packet: SentPacketInfo): void {
    const seq = this.sentUnwrapper.unwrap(packet.transportSequenceNumber & 0xffff);
    const probeClusterId = packet.probeClusterId;
    this.sent.add(seq, packet.sizeBytes, packet.sendTimeMs, probeClusterId ?? -1);
    if (probeClusterId !== undefined) {
      this.probes.onPacketSent(probeClusterId, packet.sizeBytes, packet.sendTimeMs);
    }
  }

  /** The receiver's REMB (bits/s): the target never goes above it (gcc-02 §4). */
  onRemb(bitrateBps: number, nowMs?: number): void {
    this.remb = bitrateBps;
    this.updateTarget(nowMs);
  }

  /** A round-trip time measured elsewhere (RTCP RR), ms; replaces the one taken from feedback. */
  onRoundTripTime(rttMs: number): void {
    this.givenRttMs = rttMs;
    this.aimd.rttMs = rttMs;
  }

  /**
   * Handles one TWCC feedback packet received at `nowMs`: matches its statuses to the packets
   * sent, runs the delay-based controller on the packets received (in receive order) and the
   * loss-based one on the counts, and updates the target. Returns the target.
   *
   * When a probe cluster's result is complete in this feedback and no over-use is detected,
   * both estimates are set to it instead of the usual AIMD step (libwebrtc `DelayBasedBwe` and
   * `SetSendBitrate`): the target can jump up to what the path delivered. The result is first
   * raised to min(estimate, 0.85 × the acknowledged rate), so that a probe lost in a burst of
   * cross traffic never takes the estimate below what the link carries.
   */
  onTransportFeedback(feedback: RtcpTwcc, nowMs: number): number {
    this.fbReceived++;
    if (this.lastFbCount !== undefined) {
      const gap = (feedback.feedbackPacketCount - this.lastFbCount - 1) & 0xff;
      if (gap < 128) this.fbLost += gap;
    }
    this.lastFbCount = feedback.feedbackPacketCount;

    const r = this.received;
    r.count = 0;
    let lost = 0;
    let total = 0;
    let maxFeedbackRtt: number | undefined;
    for (const status of feedback.packets) {
      const sent = this.sent;
      const p = sent.find(this.sentUnwrapper.peek(status.sequenceNumber));
      if (p < 0) continue; // not ours, or too old
      const result = sent.result(p);
      if (status.received) {
        if (result === SentResult.Received) continue; // reported again after reordering
        if (result === SentResult.Lost) lost--;
        else total++;
        sent.setResult(p, SentResult.Received);
        const sendTimeMs = sent.sendTime(p);
        r.add(sendTimeMs, (status.arrivalTimeUs ?? 0) / 1000, sent.size(p), sent.probe(p));
        const rtt = nowMs - sendTimeMs;
        maxFeedbackRtt = maxFeedbackRtt === undefined ? rtt : Math.max(maxFeedbackRtt, rtt);
      } else if (result === SentResult.Pending) {
        sent.setResult(p, SentResult.Lost);
        lost++;
        total++;
      }
    }
    if (maxFeedbackRtt !== undefined && this.givenRttMs === undefined) {
      this.rttSamples.push(maxFeedbackRtt);
      if (this.rttSamples.length > RTT_SAMPLES) this.rttSamples.shift();
      this.aimd.rttMs = this.rttMs();
    }
    if (total !== 0 || lost !== 0) this.loss.onPacketResults(lost, Math.max(total, 0));

    // gcc-02 §5.2: packets by arrival; groups; deltas into the trendline.
    const order = r.byArrival();
    for (let k = 0; k < order.length; k++) {
      const i = order[k]!;
      const send = r.send[i]!;
      const arrival = r.arrival[i]!;
      const size = r.size[i]!;
      this.acked.add(arrival, size);
      const d = this.grouper.add(send, arrival, size);
      if (d !== undefined)
        this.usage = this.trendline.update(d.arrivalDeltaMs, d.sendDeltaMs, d.arrivalMs);
      const cluster = r.probe[i]!;
      if (cluster >= 0) {
        this.probes.onPacketFeedback({
          clusterId: cluster,
          sendTimeMs: send,
          arrivalTimeMs: arrival,
          sizeBytes: size,
        });
      }
    }
    let probe = this.probes.takeResult();
    if (r.count > 0) {
      const ack = this.acked.bitrateBps;
      if (probe !== undefined && ack !== undefined) {
        probe = Math.max(
          probe,
          Math.min(this.aimd.bitrateBps, PROBE_DROP_THROUGHPUT_FRACTION * ack),
        );
      }
      if (this.usage !== 'overusing' && probe !== undefined) {
        this.aimd.setEstimate(probe, nowMs);
        this.probeResult = this.aimd.bitrateBps;
        this.loss.reset(
          Math.max(this.min, Math.min(this.probeResult, this.remb ?? Number.POSITIVE_INFINITY)),
        );
      } else if (this.usage === 'overusing') {
        if (ack !== undefined && this.aimd.timeToReduceFurther(nowMs, ack))
          this.aimd.update(this.usage, ack, nowMs);
      } else {
        this.aimd.update(this.usage, ack, nowMs);
      }
    }
    this.updateTarget(nowMs);
    return this.target;
  }

  private rttMs(): number {
    if (this.givenRttMs !== undefined) return this.givenRttMs;
    if (this.rttSamples.length === 0) return DEFAULT_RTT_MS;
    return this.rttSamples.reduce((a, b) => a + b, 0) / this.rttSamples.length;
  }

  private updateTarget(nowMs: number | undefined): void {
    const cap = Math.min(this.aimd.bitrateBps, this.remb ?? Number.POSITIVE_INFINITY, this.max);
    const lossBased =
      nowMs === undefined
        ? Math.min(this.loss.bitrateBps, cap)
        : this.loss.update(nowMs, cap, this.rttMs());
    this.loss.setEstimate(Math.max(this.min, lossBased));
    this.target = Math.min(this.max, Math.max(this.min, Math.min(lossBased, cap)));
  }
}

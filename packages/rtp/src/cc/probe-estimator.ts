/**
 * The probe result, in the manner of libwebrtc's goog_cc `ProbeBitrateEstimator`: from the
 * send and receive times of a probe cluster's packets (TWCC feedback), the rate the path
 * delivered. The send rate leaves out the last packet sent (the send interval ends when it
 * starts), the receive rate the first packet received (the receive interval starts when it has
 * arrived). A receive rate clearly under the send rate means the probe filled the link: the
 * result is then a little under the receive rate.
 */

/** One probe packet with its feedback. */
export interface ProbePacketResult {
  /** The cluster it was sent in. */
  readonly clusterId: number;
  /** When it left, ms (sender clock). */
  readonly sendTimeMs: number;
  /** When it arrived, ms (receiver clock, from the feedback). */
  readonly arrivalTimeMs: number;
  /** Bytes on the wire, as counted when sent. */
  readonly sizeBytes: number;
}

/** Options of {@link ProbeBitrateEstimator}. */
export interface ProbeBitrateEstimatorOptions {
  /** Packets a cluster sends at least (as the controller asked). Default 5. */
  readonly minPackets?: number;
}

/** Fraction of a cluster's packets and bytes that must be reported received (libwebrtc: 80 %). */
const MIN_RECEIVED_FRACTION = 0.8;
/** A receive rate above this × the send rate is not believed (libwebrtc `kMaxValidRatio`). */
const MAX_VALID_RATIO = 2;
/** Under this × the send rate, the link was saturated (libwebrtc `kMinRatioForUnsaturatedLink`). */
const MIN_RATIO_UNSATURATED = 0.9;
/** A saturated link's result is this × the receive rate (libwebrtc `kTargetUtilizationFraction`). */
const TARGET_UTILIZATION = 0.95;
/** Longest send or receive interval of a cluster, ms (libwebrtc `kMaxProbeInterval`). */
const MAX_PROBE_INTERVAL_MS = 1000;
/** Clusters are forgotten this long after their last packet, ms (libwebrtc `kMaxClusterHistory`). */
const CLUSTER_HISTORY_MS = 1000;

interface Cluster {
  sentPackets: number;
  sentBytes: number;
  lastSentMs: number;
  received: number;
  receivedBytes: number;
  firstSendMs: number;
  lastSendMs: number;
  lastSendSize: number;
  firstArrivalMs: number;
  firstArrivalSize: number;
  lastArrivalMs: number;
}

/** Why a cluster gave no result, or the rates it gave. */
export type ProbeEstimate =
  | {
      readonly valid: true;
      readonly clusterId: number;
      /** The result, bits/s. */
      readonly bitrateBps: number;
      readonly sendBitrateBps: number;
      readonly receiveBitrateBps: number;
    }
  | {
      readonly valid: false;
      readonly clusterId: number;
      /** A send or receive interval not in (0, 1 s], or a receive rate over 2 × the send rate. */
      readonly reason: 'bad-interval' | 'bad-ratio';
    };

/**
 * Measures probe clusters (libwebrtc goog_cc `ProbeBitrateEstimator`). Note each probe packet
 * as it leaves ({@link ProbeBitrateEstimator.onPacketSent}), give it each one the feedback
 * reports received, in receive order ({@link ProbeBitrateEstimator.onPacketFeedback}), and
 * take the newest result after each feedback ({@link ProbeBitrateEstimator.takeResult}).
 *
 * A cluster gives a result once at least 80 % of the packets and bytes sent in it (and 80 % of
 * `minPackets`) are reported received, when its send and receive intervals are positive and
 * under 1 s and the receive rate is at most twice the send rate. The result is the smaller of
 * the two rates, or 0.95 × the receive rate when that is under 0.9 × the send rate.
 */
export class ProbeBitrateEstimator {
  private readonly minPackets: number;
  private readonly clusters = new Map<number, Cluster>();
  private result: number | undefined;
  private last: ProbeEstimate | undefined;

  constructor(options: ProbeBitrateEstimatorOptions = {}) {
    this.minPackets = options.minPackets ?? 5;
  }

  /** The last cluster measured (a result or why there was none), for stats and logs. */
  get lastEstimate(): ProbeEstimate | undefined {
    return this.last;
  }

  /** Counts a packet of cluster `clusterId` as it leaves. */
  onPacketSent(clusterId: number, sizeBytes: number, sendTimeMs: number): void {
    this.forget(sendTimeMs);
    let c = this.clusters.get(clusterId);
    if (c === undefined) {
      c = {
        sentPackets: 0,
        sentBytes: 0,
        lastSentMs: sendTimeMs,
        received: 0,
        receivedBytes: 0,
        firstSendMs: Number.POSITIVE_INFINITY,
        lastSendMs: Number.NEGATIVE_INFINITY,
        lastSendSize: 0,
        firstArrivalMs: Number.POSITIVE_INFINITY,
        firstArrivalSize: 0,
        lastArrivalMs: Number.NEGATIVE_INFINITY,
      };
      this.clusters.set(clusterId, c);
    }
    c.sentPackets++;
    c.sentBytes += sizeBytes;
    c.lastSentMs = Math.max(c.lastSentMs, sendTimeMs);
  }

  /**
   * Adds a probe packet reported received; returns the cluster's estimate when it has enough
   * packets to give one (`undefined` otherwise, or for a cluster never noted as sent).
   */
  onPacketFeedback(p: ProbePacketResult): ProbeEstimate | undefined {
    const c = this.clusters.get(p.clusterId);
    if (c === undefined) return undefined;
    c.received++;
    c.receivedBytes += p.sizeBytes;
    if (p.sendTimeMs < c.firstSendMs) c.firstSendMs = p.sendTimeMs;
    if (p.sendTimeMs > c.lastSendMs) {
      c.lastSendMs = p.sendTimeMs;
      c.lastSendSize = p.sizeBytes;
    }
    if (p.arrivalTimeMs < c.firstArrivalMs) {
      c.firstArrivalMs = p.arrivalTimeMs;
      c.firstArrivalSize = p.sizeBytes;
    }
    if (p.arrivalTimeMs > c.lastArrivalMs) c.lastArrivalMs = p.arrivalTimeMs;

    if (
      c.received < MIN_RECEIVED_FRACTION * Math.max(c.sentPackets, this.minPackets) ||
      c.receivedBytes < MIN_RECEIVED_FRACTION * c.sentBytes
    ) {
      return undefined; // more to come (or lost: then never)
    }
    const estimate = this.measure(p.clusterId, c);
    this.last = estimate;
    if (estimate.valid) this.result = estimate.bitrateBps;
    return estimate;
  }

  /** The newest result since the last call, bits/s, and forgets it. */
  takeResult(): number | undefined {
    const r = this.result;
    this.result = undefined;
    return r;
  }

  private measure(clusterId: number, c: Cluster): ProbeEstimate {
    const sendMs = c.lastSendMs - c.firstSendMs;
    const receiveMs = c.lastArrivalMs - c.firstArrivalMs;
    if (
      !(sendMs > 0) ||
      sendMs > MAX_PROBE_INTERVAL_MS ||
      !(receiveMs > 0) ||
      receiveMs > MAX_PROBE_INTERVAL_MS
    ) {
      return { valid: false, clusterId, reason: 'bad-interval' };
    }
    const sendBps = ((c.receivedBytes - c.lastSendSize) * 8000) / sendMs;
    const receiveBps = ((c.receivedBytes - c.firstArrivalSize) * 8000) / receiveMs;
    if (receiveBps > MAX_VALID_RATIO * sendBps) {
      return { valid: false, clusterId, reason: 'bad-ratio' };
    }
    const bitrateBps =
      receiveBps < MIN_RATIO_UNSATURATED * sendBps
        ? TARGET_UTILIZATION * receiveBps
        : Math.min(sendBps, receiveBps);
    return {
      valid: true,
      clusterId,
      bitrateBps,
      sendBitrateBps: sendBps,
      receiveBitrateBps: receiveBps,
    };
  }

  private forget(nowMs: number): void {
    for (const [id, c] of this.clusters) {
      if (c.lastSentMs < nowMs - CLUSTER_HISTORY_MS) this.clusters.delete(id);
    }
  }
}

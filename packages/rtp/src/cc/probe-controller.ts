/**
 * The probe controller, in the manner of libwebrtc's goog_cc `ProbeController`: it decides
 * when to send a probe cluster (a short burst at a chosen bitrate, paced by the {@link Pacer})
 * whose measured delivery rate ({@link ProbeBitrateEstimator}) lets the send-side estimate
 * jump instead of climbing at 8 % a second (draft-ietf-rmcat-gcc-02 §5.5 leaves the start-up to
 * the implementation; libwebrtc probes).
 *
 * The rules: when the transport becomes usable, two clusters at 3× and 6× the start bitrate;
 * while waiting for their result (at most 1 s), a result of at least 0.7 × the highest of them
 * asks for another cluster at 2× that result, and so on until the maximum; raising the maximum
 * later probes at the new maximum once; with `periodicIntervalMs`, a probe at 2× the estimate
 * that long after the last one. Not done (libwebrtc does them in some conditions): the probe
 * after a large drop (only in application-limited periods or behind a field trial), the
 * probes on an allocation change, and skipping probes while the loss-based estimate limits
 * the rate.
 */

import { RtpConfigurationError } from '../errors.js';

/** A probe cluster: what the pacer sends as one probe, and how the result is told apart. */
export interface ProbeCluster {
  /** Identifies the cluster's packets in `onPacketSent` and in the feedback. */
  readonly id: number;
  /** The rate the cluster's packets leave at, bits/s. */
  readonly bitrateBps: number;
  /** Packets sent at least. */
  readonly minPackets: number;
  /** Time the cluster lasts at least at its bitrate, ms (it sends `bitrate × duration` bytes at least). */
  readonly minDurationMs: number;
}

/** Options of {@link ProbeController}; bitrates in bits/s. */
export interface ProbeControllerOptions {
  /** The estimate before any probe. Default 300 000 (libwebrtc's start bitrate). */
  readonly startBitrateBps?: number;
  /** Probes never go above this. Default 5 000 000 (libwebrtc's probing cap when none is set). */
  readonly maxBitrateBps?: number;
  /** Packets a cluster sends at least. Default 5 (libwebrtc `min_probe_packets_sent`). */
  readonly minPackets?: number;
  /** Time a cluster lasts at least, ms. Default 15 (libwebrtc `min_probe_duration`). */
  readonly minDurationMs?: number;
  /** The initial clusters, × the start bitrate. Default [3, 6] (libwebrtc `p1`, `p2`). */
  readonly initialScales?: readonly number[];
  /** A further cluster is this × the result. Default 2 (libwebrtc `step_size`). */
  readonly furtherScale?: number;
  /**
   * A result at or above this fraction of the last cluster's bitrate asks for a further one.
   * Default 0.7 (libwebrtc `further_probe_threshold`).
   */
  readonly furtherThreshold?: number;
  /** How long a result is waited for, ms. Default 1000 (libwebrtc `kMaxWaitingTimeForProbingResult`). */
  readonly resultTimeoutMs?: number;
  /**
   * Once probing is over, probe again at `furtherScale` × the estimate this long after the
   * last probe, while the estimate is below the maximum: a path whose capacity came back (a
   * cap lifted) is found in one probe instead of a climb at 8 % a second (libwebrtc probes
   * periodically in application-limited periods; this does it always). Default: never.
   */
  readonly periodicIntervalMs?: number;
}

type State = 'init' | 'waiting' | 'complete';

/**
 * Decides the probe clusters of a sender (libwebrtc goog_cc `ProbeController`). Each call
 * returns the clusters to hand to {@link Pacer.probe} now (usually none). No clock inside.
 *
 * ```ts
 * const probes = new ProbeController({ startBitrateBps: 300_000, maxBitrateBps: 2_500_000 });
 * for (const c of probes.onNetworkAvailable(now)) pacer.probe(c, now);
 * // after each feedback:
 * bwe.onTransportFeedback(fb, now);
 * for (const c of probes.onEstimate(bwe.targetBitrateBps, now)) pacer.probe(c, now);
 * ```
 */
export class ProbeController {
  private readonly start: number;
  private max: number;
  private readonly minPackets: number;
  private readonly minDurationMs: number;
  private readonly periodicIntervalMs: number | undefined;
  private readonly initialScales: readonly number[];
  private readonly furtherScale: number;
  private readonly furtherThreshold: number;
  private readonly timeoutMs: number;
  private state: State = 'init';
  private available = false;
  private estimate: number;
  private minToProbeFurther = Number.POSITIVE_INFINITY;
  private lastProbeMs = Number.NEGATIVE_INFINITY;
  private nextId = 1;

  constructor(options: ProbeControllerOptions = {}) {
    this.start = options.startBitrateBps ?? 300_000;
    this.max = options.maxBitrateBps ?? 5_000_000;
    this.minPackets = options.minPackets ?? 5;
    this.minDurationMs = options.minDurationMs ?? 15;
    this.initialScales = options.initialScales ?? [3, 6];
    this.furtherScale = options.furtherScale ?? 2;
    this.furtherThreshold = options.furtherThreshold ?? 0.7;
    this.timeoutMs = options.resultTimeoutMs ?? 1000;
    this.periodicIntervalMs = options.periodicIntervalMs;
    if (this.periodicIntervalMs !== undefined && !(this.periodicIntervalMs > 0)) {
      throw new RtpConfigurationError(
        `periodicIntervalMs must be positive, got ${this.periodicIntervalMs}`,
      );
    }
    if (!(this.start > 0) || !(this.max > 0)) {
      throw new RtpConfigurationError(
        `startBitrateBps and maxBitrateBps must be positive, got ${this.start} and ${this.max}`,
      );
    }
    if (!(this.minPackets >= 1) || !(this.minDurationMs > 0) || !(this.furtherScale > 1)) {
      throw new RtpConfigurationError(
        'minPackets must be at least 1, minDurationMs positive and furtherScale above 1',
      );
    }
    this.estimate = this.start;
  }

  /** True while a result is awaited that may ask for a further cluster. */
  get waitingForResult(): boolean {
    return this.state === 'waiting';
  }

  /** The transport can send (ICE and DTLS connected): the initial exponential probes. */
  onNetworkAvailable(nowMs: number): ProbeCluster[] {
    this.available = true;
    if (this.state !== 'init') return [];
    return this.initiate(
      nowMs,
      this.initialScales.map((s) => s * this.start),
      true,
    );
  }

  /** The transport cannot send: a result awaited is given up. */
  onNetworkUnavailable(): void {
    this.available = false;
    if (this.state === 'waiting') this.complete();
  }

  /**
   * A new maximum (e.g. `maxBitrate` raised by the application): once the initial probing is
   * over, a raise above the estimate is probed at the new maximum.
   */
  setMaxBitrate(bps: number, nowMs: number): ProbeCluster[] {
    if (!(bps > 0)) throw new RtpConfigurationError(`maxBitrateBps must be positive, got ${bps}`);
    this.process(nowMs);
    const old = this.max;
    this.max = bps;
    if (this.state === 'init' && this.available) return this.onNetworkAvailable(nowMs);
    if (this.state === 'complete' && bps > old && this.estimate < bps) {
      return this.initiate(nowMs, [bps], false);
    }
    return [];
  }

  /**
   * The current estimate (the sender's target after each feedback): while a result is awaited,
   * one of at least `furtherThreshold` × the last cluster's bitrate asks for a cluster at
   * `furtherScale` × it.
   */
  onEstimate(bps: number, nowMs: number): ProbeCluster[] {
    this.estimate = bps;
    this.process(nowMs);
    if (this.state === 'waiting' && bps > this.minToProbeFurther) {
      return this.initiate(nowMs, [this.furtherScale * bps], true);
    }
    const every = this.periodicIntervalMs;
    if (
      every !== undefined &&
      this.state === 'complete' &&
      this.available &&
      bps < this.max &&
      nowMs - this.lastProbeMs >= every
    ) {
      return this.initiate(nowMs, [this.furtherScale * bps], true);
    }
    return [];
  }

  /**
   * Gives up waiting for a result `resultTimeoutMs` after the last clusters (also done by
   * `onEstimate` and `setMaxBitrate`).
   */
  process(nowMs: number): void {
    if (this.state === 'waiting' && nowMs - this.lastProbeMs > this.timeoutMs) this.complete();
  }

  private initiate(nowMs: number, bitrates: readonly number[], further: boolean): ProbeCluster[] {
    const clusters: ProbeCluster[] = [];
    for (let bps of bitrates) {
      if (bps > this.max) {
        bps = this.max;
        further = false; // nothing to find above the maximum
      }
      clusters.push({
        id: this.nextId++,
        bitrateBps: bps,
        minPackets: this.minPackets,
        minDurationMs: this.minDurationMs,
      });
    }
    this.lastProbeMs = nowMs;
    const last = clusters[clusters.length - 1];
    if (further && last !== undefined) {
      this.state = 'waiting';
      // A result is not expected above a fraction of the rate probed.
      this.minToProbeFurther = this.furtherThreshold * last.bitrateBps;
    } else {
      this.complete();
    }
    return clusters;
  }

  private complete(): void {
    this.state = 'complete';
    this.minToProbeFurther = Number.POSITIVE_INFINITY;
  }
}

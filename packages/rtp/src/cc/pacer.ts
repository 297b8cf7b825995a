/**
 * The pacer (libwebrtc's `PacingController`, draft-ietf-rmcat-gcc-02 §4: "a pacer sends the
 * packets at a rate slightly higher than the target, to drain the encoder's bursts"): packets
 * wait in a queue by priority and leave at the pacing rate, 2.5 × the target bitrate by
 * default, in bursts of at most 5 ms of that rate.
 */

import { RtpConfigurationError } from '../errors.js';

/**
 * What a packet is, for its priority (libwebrtc's order: audio, retransmission, video; padding
 * last once it exists).
 */
export type PacedPacketKind = 'audio' | 'retransmission' | 'video';

/** Options of {@link Pacer}. */
export interface PacerOptions {
  /** The target bitrate to start with, bits/s. */
  readonly targetBitrateBps: number;
  /** Pacing rate ÷ target. Default 2.5 (libwebrtc `kDefaultPaceMultiplier`). */
  readonly pacingFactor?: number;
  /** Longest burst, in ms of the pacing rate. Default 5 (libwebrtc's 5 ms process interval). */
  readonly burstMs?: number;
  /**
   * Longest time a packet may wait, ms: past it the rate is raised so the queue drains in time
   * (libwebrtc `kMaxExpectedQueueLength`, 2000 ms).
   */
  readonly maxQueueTimeMs?: number;
  /**
   * Packets held at most. Default 10 000. When full, the oldest packet of the lowest priority
   * at or below the new one's is dropped (video first), else the new packet.
   */
  readonly maxPackets?: number;
  /**
   * Audio leaves as soon as asked, outside the budget but counted in it (libwebrtc's default,
   * `pace_audio` off). Default false.
   */
  readonly paceAudio?: boolean;
}

interface Queued<T> {
  readonly packet: T;
  readonly sizeBytes: number;
  readonly enqueuedMs: number;
}

const ORDER: readonly PacedPacketKind[] = ['audio', 'retransmission', 'video'];

/**
 * A priority queue of outgoing packets released at the pacing rate. `enqueue` the packets,
 * call `process(now)` at `nextDeadline()`, send what it returns. The budget is a debt: each
 * packet sent adds its size, the debt drains at the pacing rate, a packet leaves while the
 * debt is under one burst (5 ms of the rate). When full (`maxPackets`), the oldest video
 * packet is dropped first, then the oldest retransmission; audio is never dropped for video.
 * No padding and no probing yet.
 *
 * ```ts
 * const pacer = new Pacer<Uint8Array>({ targetBitrateBps: bwe.targetBitrateBps });
 * pacer.enqueue(rtp, rtp.length, 'video', now);
 * for (const p of pacer.process(now)) socket.send(p);
 * ```
 */
export class Pacer<T> {
  private readonly factor: number;
  private readonly burstMs: number;
  private readonly maxQueueTimeMs: number;
  private readonly maxPackets: number;
  private readonly paceAudio: boolean;
  private readonly queues: Record<PacedPacketKind, Queued<T>[]> = {
    audio: [],
    retransmission: [],
    video: [],
  };
  private readonly heads: Record<PacedPacketKind, number> = {
    audio: 0,
    retransmission: 0,
    video: 0,
  };
  private rateBps: number;
  private debtBytes = 0;
  private lastProcessMs: number | undefined;
  private queuedBytes = 0;
  /** Packets dropped because the queue was full. */
  dropped = 0;

  constructor(options: PacerOptions) {
    this.factor = options.pacingFactor ?? 2.5;
    this.burstMs = options.burstMs ?? 5;
    this.maxQueueTimeMs = options.maxQueueTimeMs ?? 2000;
    this.maxPackets = options.maxPackets ?? 10_000;
    this.paceAudio = options.paceAudio ?? false;
    if (!(this.factor > 0) || !(this.burstMs > 0) || !(this.maxPackets > 0)) {
      throw new RtpConfigurationError('pacingFactor, burstMs and maxPackets must be positive');
    }
    this.rateBps = 0;
    this.setTargetBitrate(options.targetBitrateBps);
  }

  /** Sets the target (the pacing rate is `pacingFactor` × it). */
  setTargetBitrate(bps: number): void {
    if (!(bps > 0)) throw new RtpConfigurationError(`target bitrate must be positive, got ${bps}`);
    this.rateBps = bps * this.factor;
  }

  /** The pacing rate, bits/s. */
  get pacingRateBps(): number {
    return this.rateBps;
  }

  /** Packets waiting. */
  get queueLength(): number {
    let n = 0;
    for (const k of ORDER) n += this.queues[k].length - this.heads[k];
    return n;
  }

  /** Bytes waiting. */
  get queueSizeBytes(): number {
    return this.queuedBytes;
  }

  /** How long the oldest packet has waited at `nowMs`, ms (0 when empty). */
  oldestQueueTimeMs(nowMs: number): number {
    let oldest = nowMs;
    for (const k of ORDER) {
      const q = this.queues[k][this.heads[k]];
      if (q !== undefined && q.enqueuedMs < oldest) oldest = q.enqueuedMs;
    }
    return nowMs - oldest;
  }

  /** Queues a packet of `kind`; drops the oldest lower-priority one when full. */
  enqueue(packet: T, sizeBytes: number, kind: PacedPacketKind, nowMs: number): void {
    this.drain(nowMs);
    if (this.queueLength >= this.maxPackets) {
      // Drop the oldest packet of the lowest priority at or below the new one's; else the new one.
      const rank = ORDER.indexOf(kind);
      let victim: PacedPacketKind | undefined;
      for (let r = ORDER.length - 1; r >= rank && victim === undefined; r--) {
        const k = ORDER[r]!;
        if (this.queues[k].length > this.heads[k]) victim = k;
      }
      this.dropped++;
      if (victim === undefined) return;
      this.queuedBytes -= this.take(victim).sizeBytes;
    }
    this.queues[kind].push({ packet, sizeBytes, enqueuedMs: nowMs });
    this.queuedBytes += sizeBytes;
  }

  /** When `process` should next be called, ms; `undefined` when the queue is empty. */
  nextDeadline(): number | undefined {
    if (this.queueLength === 0) return undefined;
    const last = this.lastProcessMs;
    if (last === undefined) return Number.NEGATIVE_INFINITY;
    if (!this.paceAudio && this.queues.audio.length > this.heads.audio) return last;
    const burst = this.burstBytes();
    if (this.debtBytes < burst) return last;
    // Wake when the debt is paid (the next burst of up to burstMs).
    return last + (this.debtBytes * 8 * 1000) / this.effectiveRate(last);
  }

  /** The packets to send now, in priority order (audio, retransmissions, video). */
  process(nowMs: number): T[] {
    this.drain(nowMs);
    const out: T[] = [];
    if (!this.paceAudio) {
      while (this.queues.audio.length > this.heads.audio) {
        const p = this.take('audio');
        this.queuedBytes -= p.sizeBytes;
        this.debtBytes += p.sizeBytes;
        out.push(p.packet);
      }
    }
    const burst = this.burstBytes();
    while (this.debtBytes < burst) {
      const kind = ORDER.find((k) => this.queues[k].length > this.heads[k]);
      if (kind === undefined) break;
      const p = this.take(kind);
      this.queuedBytes -= p.sizeBytes;
      this.debtBytes += p.sizeBytes;
      out.push(p.packet);
    }
    return out;
  }

  private burstBytes(): number {
    return (this.rateBps * this.burstMs) / 8000;
  }

  /** The pacing rate, raised when the queue would otherwise wait past maxQueueTimeMs. */
  private effectiveRate(nowMs: number): number {
    const waited = this.oldestQueueTimeMs(nowMs);
    const left = Math.max(1, this.maxQueueTimeMs - waited);
    return Math.max(this.rateBps, (this.queuedBytes * 8 * 1000) / left);
  }

  private drain(nowMs: number): void {
    if (this.lastProcessMs !== undefined && nowMs > this.lastProcessMs) {
      const rate = this.effectiveRate(this.lastProcessMs);
      this.debtBytes = Math.max(0, this.debtBytes - ((nowMs - this.lastProcessMs) * rate) / 8000);
    }
    if (this.lastProcessMs === undefined || nowMs > this.lastProcessMs) this.lastProcessMs = nowMs;
  }

  private take(kind: PacedPacketKind): Queued<T> {
    const q = this.queues[kind];
    const p = q[this.heads[kind]++]!;
    if (this.heads[kind] > 256 && this.heads[kind] * 2 > q.length) {
      q.splice(0, this.heads[kind]);
      this.heads[kind] = 0;
    }
    return p;
  }
}

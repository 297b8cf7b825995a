/**
 * The pacer (libwebrtc's `PacingController`, draft-ietf-rmcat-gcc-02 §4: "a pacer sends the
 * packets at a rate slightly higher than the target, to drain the encoder's bursts"): packets
 * wait in a queue by priority and leave at the pacing rate, 2.5 × the target bitrate by
 * default, in bursts of at most 5 ms of that rate. Probe clusters (libwebrtc's `BitrateProber`)
 * send at their own rate instead, topped up with padding when the queue runs short.
 */

import { RtpConfigurationError } from '../errors.js';
import type { ProbeCluster } from './probe-controller.js';

/**
 * What a packet is, for its priority (libwebrtc's order: audio, retransmission, video; padding
 * last once it exists).
 */
export type PacedPacketKind = 'audio' | 'retransmission' | 'video';

/** A packet the caller made to fill a probe: an RTX copy of a recent packet, or padding only. */
export interface PaddingPacket<T> {
  /** The packet, ready to send (it carries a transport-wide sequence number like any other). */
  readonly packet: T;
  /** Bytes on the wire. */
  readonly sizeBytes: number;
}

/** A packet the pacer releases, with what it was sent as. */
export interface PacedPacket<T> {
  /** The packet as enqueued, or as the `padding` callback made it. */
  readonly packet: T;
  /** Its size as given to `enqueue` or by the `padding` callback, bytes. */
  readonly sizeBytes: number;
  /** The probe cluster it belongs to (give it to `onPacketSent`); `undefined` outside probes. */
  readonly probeClusterId: number | undefined;
}

/** Options of {@link Pacer}. */
export interface PacerOptions<T = unknown> {
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
  /**
   * Asked for about `bytes` of padding when a probe cluster has nothing queued to send: return
   * RTX copies of recent packets or padding-only packets (an empty array when there are none;
   * the cluster is then given up). Without it a probe is sent only with queued media.
   */
  readonly padding?: (bytes: number) => readonly PaddingPacket<T>[];
}

/** A probe packet may be this late before its cluster is given up, ms (libwebrtc: 10 ms). */
const MAX_PROBE_DELAY_MS = 10;
/** A cluster not started this long after it was queued is dropped, ms (libwebrtc: 5 s). */
const PROBE_CLUSTER_TIMEOUT_MS = 5000;
/** Each probe send is at least this long at the probe rate, ms (libwebrtc: 2 × 1 ms). */
const PROBE_BURST_MS = 2;

interface RunningCluster {
  readonly cluster: ProbeCluster;
  readonly minBytes: number;
  readonly createdMs: number;
  startedMs: number | undefined;
  sentBytes: number;
  sentPackets: number;
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
 *
 * Probing: {@link Pacer.probe} queues a {@link ProbeCluster}. While it runs the queued packets
 * leave at the cluster's rate rather than the pacing rate (audio still goes at once), with
 * padding from the `padding` option when the queue is empty, until the cluster has sent its
 * minimum packets and `bitrate × minDuration` bytes. Use {@link Pacer.processPackets} to learn
 * which packets belong to a probe.
 *
 * ```ts
 * const pacer = new Pacer<Uint8Array>({ targetBitrateBps: bwe.targetBitrateBps });
 * pacer.enqueue(rtp, rtp.length, 'video', now);
 * for (const p of pacer.process(now)) socket.send(p);
 * // with probing:
 * for (const { packet, sizeBytes, probeClusterId } of pacer.processPackets(now)) {
 *   bwe.onPacketSent({ transportSequenceNumber: seqOf(packet), sizeBytes, sendTimeMs: now, probeClusterId });
 *   socket.send(packet);
 * }
 * ```
 */
export class Pacer<T> {
  private readonly factor: number;
  private readonly burstMs: number;
  private readonly maxQueueTimeMs: number;
  private readonly maxPackets: number;
  private readonly paceAudio: boolean;
  private readonly padding: ((bytes: number) => readonly PaddingPacket<T>[]) | undefined;
  private readonly clusters: RunningCluster[] = [];
  /** A cluster starts no sooner than the last packet of the one before has taken at its rate. */
  private probeFreeAtMs = Number.NEGATIVE_INFINITY;
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

  constructor(options: PacerOptions<T>) {
    this.factor = options.pacingFactor ?? 2.5;
    this.burstMs = options.burstMs ?? 5;
    this.maxQueueTimeMs = options.maxQueueTimeMs ?? 2000;
    this.maxPackets = options.maxPackets ?? 10_000;
    this.paceAudio = options.paceAudio ?? false;
    this.padding = options.padding;
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

  /**
   * Queues a probe cluster: it starts when there is something to send (a queued packet, or
   * padding), after the clusters queued before it. A cluster not started 5 s after it was
   * queued is dropped, and so is one whose packets run more than 10 ms late (nothing to send,
   * or `process` called late): its rate would no longer be what it measures.
   */
  probe(cluster: ProbeCluster, nowMs: number): void {
    if (!(cluster.bitrateBps > 0) || !(cluster.minPackets >= 1) || !(cluster.minDurationMs >= 0)) {
      throw new RtpConfigurationError(
        `a probe cluster needs a positive bitrate and at least one packet, got ${cluster.bitrateBps} b/s, ${cluster.minPackets} packets`,
      );
    }
    this.clusters.push({
      cluster,
      minBytes: (cluster.bitrateBps * cluster.minDurationMs) / 8000,
      createdMs: nowMs,
      startedMs: undefined,
      sentBytes: 0,
      sentPackets: 0,
    });
  }

  /** True while a probe cluster is queued or running. */
  get probing(): boolean {
    return this.clusters.length > 0;
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

  /**
   * When `process` should next be called, ms; `undefined` when there is nothing to send (the
   * queue is empty and no probe can run).
   */
  nextDeadline(): number | undefined {
    const last = this.lastProcessMs;
    const probe = this.runnableCluster();
    let probeDue = Number.POSITIVE_INFINITY;
    if (probe !== undefined) {
      if (last === undefined) return Number.NEGATIVE_INFINITY;
      const due = probe.startedMs === undefined ? this.probeFreeAtMs : this.nextProbeMs(probe);
      probeDue = Math.max(last, due);
    }
    const paced = this.pacedDeadline(last);
    if (paced === undefined) return probe === undefined ? undefined : probeDue;
    return Math.min(paced, probeDue);
  }

  /** When the pacing (not a probe) lets the next queued packet go; undefined when none waits. */
  private pacedDeadline(last: number | undefined): number | undefined {
    if (this.queueLength === 0) return undefined;
    if (last === undefined) return Number.NEGATIVE_INFINITY;
    if (!this.paceAudio && this.queues.audio.length > this.heads.audio) return last;
    const burst = this.burstBytes();
    if (this.debtBytes < burst) return last;
    // Wake when the debt is paid (the next burst of up to burstMs).
    return last + (this.debtBytes * 8 * 1000) / this.effectiveRate(last);
  }

  /** The packets to send now, in priority order (audio, retransmissions, video). */
  process(nowMs: number): T[] {
    return this.processPackets(nowMs).map((p) => p.packet);
  }

  /**
   * The packets to send now, as {@link Pacer.process} gives them, with their sizes and probe
   * clusters; padding packets made for a probe are among them.
   */
  processPackets(nowMs: number): PacedPacket<T>[] {
    this.drain(nowMs);
    const out: PacedPacket<T>[] = [];
    if (!this.paceAudio) {
      while (this.queues.audio.length > this.heads.audio) out.push(this.send('audio', undefined));
    }
    // A probe sends on top of the pacing, never instead of it: media never waits for a probe
    // slower than the pacing rate (a forwarded stream may be faster than the probe).
    this.processProbe(nowMs, out);
    const burst = this.burstBytes();
    while (this.debtBytes < burst) {
      const kind = ORDER.find((k) => this.queues[k].length > this.heads[k]);
      if (kind === undefined) break;
      out.push(this.send(kind, undefined));
    }
    return out;
  }

  /**
   * Runs the current probe cluster, if one can run: sends what is due at its rate (queued
   * packets first, then padding); the pacing then goes on as without a probe. Returns true
   * when a cluster was running or waiting for its time.
   */
  private processProbe(nowMs: number, out: PacedPacket<T>[]): boolean {
    for (;;) {
      const c = this.runnableCluster();
      if (c === undefined) return false;
      if (c.startedMs !== undefined && nowMs - this.nextProbeMs(c) > MAX_PROBE_DELAY_MS) {
        this.clusters.shift(); // too late to keep its rate: give it up
        continue;
      }
      if (nowMs < (c.startedMs === undefined ? this.probeFreeAtMs : this.nextProbeMs(c))) {
        return true;
      }
      c.startedMs ??= nowMs;
      const id = c.cluster.id;
      // libwebrtc's recommended probe size: 2 ms of the probe rate a send, at least one packet.
      const want = (c.cluster.bitrateBps * PROBE_BURST_MS) / 8000;
      let sent = 0;
      while (sent < want || sent === 0) {
        const kind = ORDER.find((k) => this.queues[k].length > this.heads[k]);
        if (kind !== undefined) {
          const p = this.send(kind, id);
          sent += p.sizeBytes;
          c.sentPackets++;
          out.push(p);
          continue;
        }
        const pad = this.padding?.(Math.max(1, Math.ceil(want - sent))) ?? [];
        if (pad.length === 0) break;
        // Padding is not media: it leaves no debt for the media behind it.
        for (const p of pad) {
          sent += p.sizeBytes;
          c.sentPackets++;
          out.push({ packet: p.packet, sizeBytes: p.sizeBytes, probeClusterId: id });
        }
      }
      c.sentBytes += sent;
      if (sent === 0) {
        this.clusters.shift(); // nothing to probe with: give it up
        continue;
      }
      if (c.sentBytes >= c.minBytes && c.sentPackets >= c.cluster.minPackets) {
        this.clusters.shift();
        this.probeFreeAtMs = this.nextProbeMs(c);
      }
      return true;
    }
  }

  /** The first probe cluster, when there is something to send it with. */
  private runnableCluster(): RunningCluster | undefined {
    let c = this.clusters[0];
    const now = this.lastProcessMs;
    while (
      c !== undefined &&
      c.startedMs === undefined &&
      now !== undefined &&
      now - c.createdMs > PROBE_CLUSTER_TIMEOUT_MS
    ) {
      this.clusters.shift();
      c = this.clusters[0];
    }
    if (c === undefined) return undefined;
    const queued = ORDER.some((k) => this.queues[k].length > this.heads[k]);
    return queued || this.padding !== undefined ? c : undefined;
  }

  /** When the cluster's next packet is due: its bytes so far at its rate from its start. */
  private nextProbeMs(c: RunningCluster): number {
    return (c.startedMs ?? 0) + (c.sentBytes * 8000) / c.cluster.bitrateBps;
  }

  private send(kind: PacedPacketKind, probeClusterId: number | undefined): PacedPacket<T> {
    const p = this.take(kind);
    this.queuedBytes -= p.sizeBytes;
    this.debtBytes += p.sizeBytes;
    return { packet: p.packet, sizeBytes: p.sizeBytes, probeClusterId };
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

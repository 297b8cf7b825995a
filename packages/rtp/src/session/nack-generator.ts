/**
 * Loss recovery on the receiving side: generic NACKs (RFC 4585 §6.2.1) for what the jitter
 * buffer misses, retried once per round trip and given up after a number of tries, and
 * keyframe requests (PLI, RFC 4585 §6.3.1, or FIR) while the buffer waits for a keyframe
 * because a frame could not be completed.
 */

import { nackItems } from '../rtcp/nack.js';
import type { RtcpPacket } from '../rtcp/rtcp-packet.js';
import type { MissingPacket } from '../stream/jitter-buffer-options.js';

/** What the generator reads and drives: an {@link InboundRtpStream} has all of it. */
export interface NackGeneratorStream {
  /** The peer's SSRC (the NACK's media source). */
  readonly ssrc: number;
  /** What the jitter buffer misses at `nowMs`, oldest first. */
  missing(nowMs: number): MissingPacket[];
  /** True while the jitter buffer waits for a keyframe. */
  readonly keyframeNeeded: boolean;
  /** Sends (and counts) a feedback packet about the stream. */
  sendFeedback(packet: RtcpPacket): void;
  /** Asks for a keyframe (PLI or FIR, as the stream was configured). */
  requestKeyframe(): RtcpPacket;
  /**
   * Told how long a missing packet takes to repair (three tries and their answers): the
   * jitter buffer holds its frame that long, even past the playout time.
   */
  setRepairMs?(ms: number): void;
}

/** Options of {@link NackGenerator}; every one has a default. */
export interface NackGeneratorOptions {
  /** Our SSRC as the NACK's packet sender (RFC 4585 §6.1). Default 1, as the stream's. */
  readonly feedbackSsrc?: number;
  /**
   * The round-trip time now (ms), or `undefined` when not known yet: a NACK is sent again
   * when this long has passed without the packet (default, while unknown, 100 ms).
   */
  readonly rttMs?: () => number | undefined;
  /** A packet is asked for at most this many times, then given up (default 10). */
  readonly maxRetries?: number;
  /**
   * How long a gap may wait before its first NACK (ms): packets reordered by the network
   * within this time are not asked for (default 5).
   */
  readonly reorderDelayMs?: number;
  /**
   * More missing packets than this and the generator stops asking: it asks for a keyframe
   * instead (default 1000).
   */
  readonly maxMissing?: number;
  /** Smallest time between two keyframe requests (ms) while one is needed (default 200). */
  readonly keyframeRetryMs?: number;
  /** Send NACKs; false keeps only the keyframe requests (no `nack` negotiated). Default true. */
  readonly nack?: boolean;
}

/** What a {@link NackGenerator} did, since it was made. */
export interface NackGeneratorStats {
  /** NACK packets sent. */
  readonly nacksSent: number;
  /** Sequence numbers asked for, each retry counted. */
  readonly packetsRequested: number;
  /** Distinct packets asked for at least once. */
  readonly packetsMissed: number;
  /** Packets given up after `maxRetries` tries, or in a loss larger than `maxMissing`. */
  readonly packetsGivenUp: number;
  /** Keyframe requests sent. */
  readonly keyframeRequests: number;
}

const DEFAULT_RTT_MS = 100;
/** A retry never comes sooner than this, whatever the RTT says (a loopback RTT is ~0). */
const MIN_RETRY_MS = 5;
/** The tries a missing packet's frame waits for, past its playout time if need be. */
const REPAIR_TRIES = 3;

interface Tries {
  count: number;
  lastMs: number;
}

/**
 * The receiving side of loss recovery for one stream. Call {@link NackGenerator.poll} after
 * each packet the stream took and at the time it returns: it sends what is due through the
 * stream's `sendFeedback` (so the stream counts `nackCount`, `pliCount`, `firCount`).
 *
 * ```ts
 * const nacks = new NackGenerator(stream, { feedbackSsrc, rttMs: () => transport.rttMs });
 * onRtp = (p) => { stream.receive(p, now()); schedule(nacks.poll(now())); };
 * ```
 */
export class NackGenerator {
  private readonly stream: NackGeneratorStream;
  private readonly feedbackSsrc: number;
  private readonly rttMs: () => number | undefined;
  private readonly maxRetries: number;
  private readonly reorderDelayMs: number;
  private readonly maxMissing: number;
  private readonly keyframeRetryMs: number;
  private readonly nack: boolean;
  /** Tries of each missing packet, by extended sequence number. */
  private readonly tries = new Map<number, Tries>();
  /** Extended sequence numbers given up: never asked for again. */
  private givenUpBelow = Number.NEGATIVE_INFINITY;
  private readonly givenUp = new Set<number>();
  private lastKeyframeRequestMs = Number.NEGATIVE_INFINITY;
  private readonly counters = {
    nacksSent: 0,
    packetsRequested: 0,
    packetsMissed: 0,
    packetsGivenUp: 0,
    keyframeRequests: 0,
  };

  constructor(stream: NackGeneratorStream, options: NackGeneratorOptions = {}) {
    this.stream = stream;
    this.feedbackSsrc = options.feedbackSsrc ?? 1;
    this.rttMs = options.rttMs ?? (() => undefined);
    this.maxRetries = options.maxRetries ?? 10;
    this.reorderDelayMs = options.reorderDelayMs ?? 5;
    this.maxMissing = options.maxMissing ?? 1000;
    this.keyframeRetryMs = options.keyframeRetryMs ?? 200;
    this.nack = options.nack ?? true;
    if (this.nack) this.retrySchedule();
  }

  /**
   * Sends the NACK and the keyframe request due at `nowMs`, if any. Returns when to call
   * again (ms), or `undefined` when nothing is pending (the next packet calls it).
   */
  poll(nowMs: number): number | undefined {
    let next = this.nack ? this.requestMissing(nowMs) : undefined;
    if (this.stream.keyframeNeeded) {
      // Deadlines are compared as computed (never as differences): with times that are not
      // whole ms, `now - last >= retry` can be false at `now === last + retry`, and the
      // generator would ask to be called again at the same time for ever.
      if (nowMs >= this.lastKeyframeRequestMs + this.keyframeRetryMs) {
        this.lastKeyframeRequestMs = nowMs;
        this.counters.keyframeRequests++;
        this.stream.requestKeyframe();
      }
      const at = this.lastKeyframeRequestMs + this.keyframeRetryMs;
      next = next === undefined ? at : Math.min(next, at);
    }
    return next;
  }

  /** Counters since the generator was made (a copy). */
  get stats(): NackGeneratorStats {
    return { ...this.counters };
  }

  /**
   * The schedule of tries at the round-trip time now: returns the time between two tries, and
   * tells the stream how long a repair takes (the first NACK after the reorder delay, three
   * tries (`REPAIR_TRIES`), the last one's answer a round trip later, one retry interval to
   * spare). Called at the start and while something is missing, not for every packet: the
   * round trip moves slowly.
   */
  private retrySchedule(): number {
    const measured = this.rttMs();
    const rtt = measured !== undefined && Number.isFinite(measured) ? measured : DEFAULT_RTT_MS;
    const retryMs = Math.max(MIN_RETRY_MS, rtt);
    const tries = Math.min(REPAIR_TRIES, this.maxRetries);
    this.stream.setRepairMs?.(this.reorderDelayMs + tries * retryMs + rtt);
    return retryMs;
  }

  private requestMissing(nowMs: number): number | undefined {
    const missing = this.stream.missing(nowMs);
    // Nothing missing and nothing remembered: the common case of every packet, no work.
    if (missing.length === 0 && this.tries.size === 0 && this.givenUp.size === 0) return undefined;
    // What is no longer missing (arrived, or released past) has no tries to keep.
    const still = new Set<number>();
    for (const m of missing) still.add(m.extendedSequenceNumber);
    for (const ext of this.tries.keys()) if (!still.has(ext)) this.tries.delete(ext);
    for (const ext of this.givenUp) if (!still.has(ext)) this.givenUp.delete(ext);
    if (missing.length > this.maxMissing) {
      // A loss this large is not worth repairing packet by packet: the keyframe that the
      // buffer will need (once it gives the frames up) replaces it.
      const newest = missing[missing.length - 1]!.extendedSequenceNumber;
      for (const m of missing) {
        if (
          m.extendedSequenceNumber <= this.givenUpBelow ||
          this.givenUp.has(m.extendedSequenceNumber)
        )
          continue;
        this.counters.packetsGivenUp++;
      }
      this.givenUpBelow = newest;
      this.tries.clear();
      this.givenUp.clear();
      return undefined;
    }
    const retryMs = this.retrySchedule();
    const due: number[] = [];
    let next: number | undefined;
    const wake = (at: number) => {
      next = next === undefined ? at : Math.min(next, at);
    };
    for (const m of missing) {
      const ext = m.extendedSequenceNumber;
      if (ext <= this.givenUpBelow || this.givenUp.has(ext)) continue;
      const firstAt = nowMs - m.ageMs + this.reorderDelayMs;
      if (nowMs < firstAt) {
        wake(firstAt);
        continue;
      }
      const tries = this.tries.get(ext);
      if (tries !== undefined && nowMs < tries.lastMs + retryMs) {
        wake(tries.lastMs + retryMs);
        continue;
      }
      if (tries !== undefined && tries.count >= this.maxRetries) {
        this.tries.delete(ext);
        this.givenUp.add(ext);
        this.counters.packetsGivenUp++;
        continue;
      }
      if (tries === undefined) {
        this.counters.packetsMissed++;
        this.tries.set(ext, { count: 1, lastMs: nowMs });
      } else {
        tries.count++;
        tries.lastMs = nowMs;
      }
      due.push(m.sequenceNumber);
      wake(nowMs + retryMs);
    }
    if (due.length > 0) {
      this.counters.nacksSent++;
      this.counters.packetsRequested += due.length;
      this.stream.sendFeedback({
        kind: 'nack',
        senderSsrc: this.feedbackSsrc,
        mediaSsrc: this.stream.ssrc,
        items: nackItems(due),
      });
    }
    return next;
  }
}

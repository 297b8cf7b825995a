/**
 * A receive-side jitter buffer for one RTP stream (RFC 3550 §5.1 sequence numbers and
 * timestamps): reorders packets, finds what is missing (for NACK, RFC 4585 §6.2.1), groups
 * packets into frames with the codec's {@link Depacketizer}, and releases complete frames in
 * decode order at their playout time. It never releases an incomplete frame.
 */

import type { Depacketizer, RtpPayloadView } from '../codecs/depacketizer.js';
import { log } from '../log.js';
import {
  checkRepairMs,
  type JitterBufferOptions,
  type JitterBufferStats,
  type JitterFrame,
  type JitterPopOptions,
  type JitterPushResult,
  type MissingPacket,
  type ResolvedJitterBufferOptions,
  resolveJitterBufferOptions,
} from './jitter-buffer-options.js';
import { missingPacket, PacketFlag, PacketRing, SlotState } from './packet-ring.js';
import { PlayoutClock } from './playout-clock.js';
import { SequenceNumberUnwrapper, TimestampUnwrapper } from './unwrap.js';

/** What the oldest unreleased sequence number calls for. */
const HeadKind = { None: 0, Complete: 1, Discard: 2 } as const;
/** The data of a delta frame released unassembled (see `pop`). */
const NO_DATA = new Uint8Array(0);
type HeadKind = (typeof HeadKind)[keyof typeof HeadKind];

type Counters = { -readonly [K in keyof JitterBufferStats]: number };

/**
 * A jitter buffer for one RTP stream, driven by its owner with explicit times (no clock or
 * timer inside, so it runs the same on the virtual clock):
 *
 * ```ts
 * const jb = new JitterBuffer({ depacketizer, clockRate: 90000, targetLatencyMs: 150,
 *                               requiresKeyframeAfterLoss: true });
 * // for each RTP packet:      jb.push(packet, now); deliver(jb.pop(now)); rearm();
 * // when the timer fires:     deliver(jb.pop(now)); rearm();
 * // rearm():                  const t = jb.nextDeadline(); if (t !== undefined) setTimer(t);
 * // NACK generator, periodic: jb.missing(now)   PLI: when jb.keyframeNeeded
 * ```
 *
 * It is a pull object, not a callback: `pop` returns the frames due, so no user code runs
 * while the buffer is in the middle of a change, and the owner decides where frames go
 * (the "callbacks after the work" rule). One timer at {@link JitterBuffer.nextDeadline}
 * suffices. The buffer keeps a reference to each packet's `payload` until its frame is
 * released: a caller that reuses the memory of a payload must give the buffer a copy.
 *
 * Playout (RFC 3550 §6.4.1 transit): a frame is due at its RTP timestamp, mapped to local
 * time through the smallest transit time of the last 10 to 20 s, plus `targetLatencyMs`
 * (a path that becomes slower is followed within 20 s). A complete frame is
 * released when due (at once with a target latency of 0). A frame that is still incomplete
 * when due, and past its repair time (`repairMs` from when a packet of it showed missing),
 * is given up (its packets dropped, missing ones counted lost) as soon as a later frame has
 * begun to arrive; with `requiresKeyframeAfterLoss`, nothing but a keyframe is
 * released after that, and {@link JitterBuffer.keyframeNeeded} stays true until one is.
 */
export class JitterBuffer {
  private readonly options: ResolvedJitterBufferOptions;
  private readonly depacketizer: Depacketizer;
  private readonly ring: PacketRing;
  private readonly seqs = new SequenceNumberUnwrapper();
  private readonly timestamps = new TimestampUnwrapper();
  private readonly playout: PlayoutClock;
  private readonly counters: Counters = {
    packetsReceived: 0,
    duplicates: 0,
    late: 0,
    outOfWindow: 0,
    lost: 0,
    framesEmitted: 0,
    framesDropped: 0,
    keyframesRequested: 0,
    resets: 0,
  };

  private started = false;
  /** Released or given up on since the (re)start: no more extending the window backward. */
  private progressed = false;
  /** The oldest extended sequence number not yet released or given up on. */
  private nextSeq = 0;
  /** The newest extended sequence number received. */
  private highestSeq = -1;
  /** RFC 3550 §A.1 `bad_seq`: the sequence number that would confirm a jump (-1: none). */
  private badSeq = -1;
  /** The packet that set `badSeq`: stored too when the jump is confirmed. */
  private jumpPacket: RtpPayloadView | undefined;
  private jumpArrivalMs = 0;
  private repairMs: number;
  private waitingForKeyframe: boolean;
  private keyframeRequested = false;
  private lastDroppedTimestamp = Number.NaN;
  private held = 0;
  private latestMs = Number.NEGATIVE_INFINITY;

  // What examine() found at the head, kept until the next change of state (a pop and the
  // nextDeadline() after it scan once); fields rather than an object, so a pop allocates
  // only the frames it returns.
  private headValid = false;
  private headKind: HeadKind = HeadKind.None;
  private headDue = 0;
  private headEnd = 0;
  private headLoss = false;

  /** Throws {@link RtpConfigurationError} when an option is out of range. */
  constructor(options: JitterBufferOptions) {
    this.options = resolveJitterBufferOptions(options);
    this.depacketizer = this.options.depacketizer;
    this.ring = new PacketRing(this.options.maxPackets);
    this.playout = new PlayoutClock(this.options.clockRate, this.options.targetLatencyMs);
    this.waitingForKeyframe = this.options.requiresKeyframeAfterLoss;
    this.repairMs = this.options.repairMs;
  }

  /**
   * Changes how long a missing packet may still be repaired (see
   * {@link JitterBufferOptions.repairMs}): its owner follows the round-trip time with it.
   * Throws {@link RtpConfigurationError} unless `ms` is finite and >= 0.
   */
  setRepairMs(ms: number): void {
    if (ms === this.repairMs) return;
    this.repairMs = checkRepairMs(ms);
    this.headValid = false;
  }

  /**
   * Takes one RTP packet that arrived at `arrivalMs` (any monotonic ms clock, the same for
   * every call). Duplicates and packets too late for their frame are dropped and counted; a
   * packet far outside the window is dropped unless the next one follows it, which resets
   * the buffer (RFC 3550 §A.1's two-packet confirmation of a jump). Frames become available
   * through {@link JitterBuffer.pop}.
   */
  push(packet: RtpPayloadView, arrivalMs: number): JitterPushResult {
    this.counters.packetsReceived++;
    this.headValid = false;
    if (arrivalMs > this.latestMs) this.latestMs = arrivalMs;
    const seq = packet.sequenceNumber & 0xffff;
    if (this.started) {
      const cap = this.ring.capacity;
      const ext = this.seqs.peek(seq);
      if (ext < this.nextSeq) {
        if (this.ring.state(ext) === SlotState.Consumed) return this.drop('duplicates');
        if (!this.progressed && this.highestSeq - ext < cap) {
          // Reordered at the very start: the stream began earlier than its first packet.
          for (let x = ext + 1; x < this.nextSeq; x++) this.ring.setMissing(x, arrivalMs);
          this.nextSeq = ext;
        } else if (this.nextSeq - ext <= cap) {
          return this.drop('late');
        } else if (!this.confirmJump(seq, packet, arrivalMs)) {
          return this.drop('outOfWindow');
        }
      } else if (ext >= this.nextSeq + cap) {
        if (ext - this.highestSeq < cap) {
          log('jb %s: window full at seq %d, dropping the oldest frames', this.options.logId, seq);
          this.discard(ext - cap + 1, true);
        } else if (!this.confirmJump(seq, packet, arrivalMs)) {
          return this.drop('outOfWindow');
        }
      } else if (this.ring.state(ext) === SlotState.Present) {
        return this.drop('duplicates');
      }
    }
    this.badSeq = -1;
    if (!this.started) {
      this.start();
      const held = this.jumpPacket;
      if (held !== undefined && ((held.sequenceNumber + 1) & 0xffff) === seq) {
        this.store(held.sequenceNumber & 0xffff, held, this.jumpArrivalMs);
      }
    }
    this.jumpPacket = undefined;
    this.store(seq, packet, arrivalMs);
    return 'accepted';
  }

  /**
   * The frames due at `nowMs`, complete and in decode order (possibly none). Gives up the
   * incomplete frames whose time has passed on the way. `options.deltaData` false releases
   * delta frames without assembling them (an empty `data`; the depacketizer does not see them,
   * so it cannot refuse one), keyframes always whole: for a caller that only counts them.
   * `options.playout` false releases a complete frame as soon as it is complete, not at its
   * playout time (an incomplete one still waits for its missing packets until it is due): for
   * a caller that plays nothing out, so that no packet is held longer than its frame needs.
   */
  pop(nowMs: number, options: JitterPopOptions = {}): JitterFrame[] {
    const deltaData = options.deltaData !== false;
    const playout = options.playout !== false;
    if (nowMs > this.latestMs) this.latestMs = nowMs;
    const out: JitterFrame[] = [];
    for (;;) {
      const kind = this.examine();
      if (kind === HeadKind.None) break;
      if (this.headDue > nowMs && (playout || kind !== HeadKind.Complete)) break;
      if (kind === HeadKind.Complete) this.release(this.headEnd, out, deltaData);
      else this.discard(this.headEnd, this.headLoss);
    }
    return out;
  }

  /**
   * Every frame that can still be released, now, whatever its playout time: the stream ended
   * (RTCP BYE) and nothing more will arrive. Complete frames in decode order; an incomplete
   * one before a later frame is given up as `pop` would; one with nothing after it stays.
   */
  flush(nowMs: number): JitterFrame[] {
    if (nowMs > this.latestMs) this.latestMs = nowMs;
    const out: JitterFrame[] = [];
    while (this.examine() !== HeadKind.None) {
      if (this.headKind === HeadKind.Complete) this.release(this.headEnd, out);
      else this.discard(this.headEnd, this.headLoss);
    }
    return out;
  }

  /**
   * When {@link JitterBuffer.pop} next has something to do (ms, on the clock of the arrival
   * times): the playout time of the next complete frame, or the deadline of an incomplete
   * one that a later frame is waiting behind. A time at or before now means "pop now";
   * `undefined` means nothing happens before the next `push`.
   */
  nextDeadline(): number | undefined {
    if (this.examine() === HeadKind.None) return undefined;
    return this.headDue === Number.NEGATIVE_INFINITY ? this.latestMs : this.headDue;
  }

  /**
   * The sequence numbers the buffer is missing, oldest first, with how long each has been
   * missing: what a NACK generator (RFC 4585 §6.2.1) asks for, applying its own retry
   * and RTT rules. At the start of a stream whose first packet does not start a frame, the
   * packet before it too (missing since that first arrival). At most `maxPackets` entries.
   */
  missing(nowMs: number): MissingPacket[] {
    const out: MissingPacket[] = [];
    if (!this.started) return out;
    const head = this.nextSeq;
    if (
      !this.progressed &&
      this.ring.state(head) === SlotState.Present &&
      (this.ring.flags(head) & PacketFlag.Start) === 0
    ) {
      // The first packet to arrive does not start its frame: the stream began earlier, and
      // the packet just before it (of the same frame: a frame's packets are consecutive) is
      // missing since that arrival. One at a time, back to the frame's start.
      out.push(missingPacket(head - 1, this.ring.time(head), nowMs));
    }
    this.ring.appendMissing(head, this.highestSeq, nowMs, out);
    return out;
  }

  /**
   * True from a loss (with `requiresKeyframeAfterLoss`), or a delta frame dropped while
   * waiting for a keyframe, until a keyframe is released: the owner asks the sender for one
   * (PLI, RFC 4585 §6.3.1), repeating at its own pace while this stays true.
   */
  get keyframeNeeded(): boolean {
    return this.keyframeRequested;
  }

  /** The number of packets held (received, not yet released or dropped). */
  get bufferedPackets(): number {
    return this.held;
  }

  /** Counters since the buffer was made (a copy). */
  get stats(): JitterBufferStats {
    return { ...this.counters };
  }

  private drop(counter: 'duplicates' | 'late' | 'outOfWindow'): JitterPushResult {
    this.counters[counter]++;
    return counter === 'duplicates' ? 'duplicate' : counter === 'late' ? 'late' : 'out-of-window';
  }

  /**
   * RFC 3550 §A.1: a jump is believed when the packet after it follows it. The packet that
   * jumped is held meanwhile (one at most) and stored first when the jump is confirmed.
   */
  private confirmJump(seq: number, packet: RtpPayloadView, arrivalMs: number): boolean {
    if (seq !== this.badSeq) {
      this.badSeq = (seq + 1) & 0xffff;
      this.jumpPacket = packet;
      this.jumpArrivalMs = arrivalMs;
      return false;
    }
    log('jb %s: sequence jump to %d, resetting', this.options.logId, seq);
    this.discard(this.highestSeq + 1, true);
    this.counters.resets++;
    this.ring.clear();
    this.held = 0;
    this.seqs.reset();
    this.timestamps.reset();
    this.playout.reset();
    this.started = false;
    return true;
  }

  private start(): void {
    this.started = true;
    this.progressed = false;
    this.nextSeq = 0;
    this.highestSeq = -1;
  }

  private store(seq: number, packet: RtpPayloadView, arrivalMs: number): void {
    const first = this.seqs.highest === undefined;
    const ext = this.seqs.unwrap(seq);
    const ts = this.timestamps.unwrap(packet.timestamp);
    if (first) {
      this.nextSeq = ext;
      this.highestSeq = ext - 1;
    }
    if (ext > this.highestSeq) {
      for (let x = this.highestSeq + 1; x < ext; x++) this.ring.setMissing(x, arrivalMs);
      this.highestSeq = ext;
    }
    const d = this.depacketizer;
    const payload = packet.payload;
    let flags = 0;
    if (d.isFrameStart(payload)) {
      flags |= PacketFlag.Start;
      if (d.isKeyframe(payload)) flags |= PacketFlag.Keyframe;
    }
    if (d.isFrameEnd(payload, packet.marker)) flags |= PacketFlag.End;
    this.ring.setPresent(ext, ts, arrivalMs, flags, payload);
    this.held++;
    this.playout.observe(ts, arrivalMs);
  }

  /** Sets (and returns) the head fields from the oldest unreleased sequence number onward. */
  private examine(): HeadKind {
    if (this.headValid) return this.headKind;
    this.headValid = true;
    this.headKind = HeadKind.None;
    if (!this.started || this.nextSeq > this.highestSeq) return HeadKind.None;
    const ring = this.ring;
    const s = this.nextSeq;
    if (ring.state(s) !== SlotState.Present) return this.examineGap(s, s + 1);
    const flags = ring.flags(s);
    const ts = ring.timestamp(s);
    const e = ring.runEnd(s, this.highestSeq);
    if ((flags & PacketFlag.Start) === 0) {
      // At the start, its frame's first packet may still come (reordered): a gap before it.
      if (!this.progressed) return this.examineGap(s, s);
      // The rest of a frame whose start was dropped: it can never complete.
      return this.setDiscard(e + 1, Number.NEGATIVE_INFINITY, true);
    }
    const complete = (ring.flags(e) & PacketFlag.End) !== 0;
    if (this.waitingForKeyframe && !ring.hasKeyframe(s, e)) {
      // A delta frame with nothing to decode against: dropped once complete, or at once when
      // a keyframe follows; an incomplete one may yet show a keyframe (an H.264 access unit
      // led by an AUD or SEI packet, its SPS or IDR slice missing), so it waits as any other.
      if (complete) return this.setDiscard(e + 1, Number.NEGATIVE_INFINITY, false);
      const key = ring.findStart(e + 1, this.highestSeq, ts, true);
      if (key !== undefined) return this.setDiscard(key, Number.NEGATIVE_INFINITY, false);
    }
    if (complete) {
      this.headKind = HeadKind.Complete;
      this.headEnd = e;
      this.headDue =
        this.options.targetLatencyMs === 0 ? Number.NEGATIVE_INFINITY : this.playout.playoutMs(ts);
      return HeadKind.Complete;
    }
    if (e < this.highestSeq && ring.state(e + 1) === SlotState.Present) {
      // Every packet is there but none ends the frame: it is not a valid frame.
      return this.setDiscard(e + 1, Number.NEGATIVE_INFINITY, true);
    }
    // Incomplete: given up when due and past its repair time, provided a later frame has
    // begun (else: wait).
    const next = ring.findStart(e + 1, this.highestSeq, ts, false);
    if (next === undefined) return HeadKind.None;
    return this.setDiscard(next, this.repairDue(this.playout.playoutMs(ts), e + 1), true);
  }

  /**
   * Packets are missing before `from` (the head `s` among them, or the start of the frame at
   * `s`): which frame they belong to is known only by the packets after them.
   */
  private examineGap(s: number, from: number): HeadKind {
    if (this.waitingForKeyframe) {
      const key = this.ring.findStart(s + 1, this.highestSeq, Number.NaN, true);
      if (key !== undefined) return this.setDiscard(key, Number.NEGATIVE_INFINITY, true);
    }
    let firstPresent = from;
    while (firstPresent <= this.highestSeq && this.ring.state(firstPresent) !== SlotState.Present) {
      firstPresent++;
    }
    const next = this.ring.findStart(s + 1, this.highestSeq, Number.NaN, false);
    if (next === undefined) return HeadKind.None;
    // The missing packets belong to frames no later than the first packet after them.
    const due = this.playout.playoutMs(this.ring.timestamp(firstPresent));
    return this.setDiscard(next, this.repairDue(due, s), true);
  }

  /**
   * `due`, or later: when the packet missing at `ext` (or before it, at the start) stops
   * being worth waiting for.
   */
  private repairDue(due: number, ext: number): number {
    return this.repairMs === 0 ? due : Math.max(due, this.ring.time(ext) + this.repairMs);
  }

  private setDiscard(until: number, due: number, loss: boolean): HeadKind {
    this.headKind = HeadKind.Discard;
    this.headEnd = until;
    this.headDue = due;
    this.headLoss = loss;
    return HeadKind.Discard;
  }

  /**
   * Releases the complete frame from the head to `end` into `out` (or drops it, if invalid);
   * a delta frame without its data unless `deltaData`.
   */
  private release(end: number, out: JitterFrame[], deltaData = true): void {
    this.headValid = false;
    const ring = this.ring;
    const start = this.nextSeq;
    const ts = ring.timestamp(start);
    const keyframe = ring.hasKeyframe(start, end);
    const { payloads, firstArrivalMs, lastArrivalMs } = ring.take(start, end);
    this.held -= end - start + 1;
    this.nextSeq = end + 1;
    this.progressed = true;
    const data = keyframe || deltaData ? this.depacketizer.assemble(payloads) : NO_DATA;
    if (data === undefined) {
      log('jb %s: frame %d..%d refused by the depacketizer', this.options.logId, start, end);
      this.counters.framesDropped++;
      this.lastDroppedTimestamp = ts;
      this.lossEvent();
      return;
    }
    out.push({
      data,
      timestamp: ((ts % 0x1_0000_0000) + 0x1_0000_0000) % 0x1_0000_0000,
      keyframe,
      firstSequenceNumber: start & 0xffff,
      lastSequenceNumber: end & 0xffff,
      packetCount: end - start + 1,
      playoutMs: this.playout.playoutMs(ts),
      firstArrivalMs,
      completeMs: lastArrivalMs,
    });
    this.counters.framesEmitted++;
    if (keyframe) {
      this.waitingForKeyframe = false;
      this.keyframeRequested = false;
    }
  }

  /**
   * Drops everything from the head up to (not including) `until`: packets held are dropped
   * (their frames counted once each), sequence numbers never received are counted lost.
   */
  private discard(until: number, loss: boolean): void {
    this.headValid = false;
    const ring = this.ring;
    for (let x = this.nextSeq; x < until; x++) {
      if (ring.state(x) === SlotState.Present) {
        const ts = ring.timestamp(x);
        if (ts !== this.lastDroppedTimestamp) {
          this.counters.framesDropped++;
          this.lastDroppedTimestamp = ts;
        }
        this.held--;
      } else {
        this.counters.lost++;
      }
      ring.release(x);
    }
    if (until > this.nextSeq) {
      log('jb %s: dropped %d..%d', this.options.logId, this.nextSeq, until - 1);
      this.nextSeq = until;
      this.progressed = true;
    }
    if (loss) this.lossEvent();
    else this.requestKeyframe();
  }

  private lossEvent(): void {
    if (!this.options.requiresKeyframeAfterLoss) return;
    this.waitingForKeyframe = true;
    this.requestKeyframe();
  }

  private requestKeyframe(): void {
    if (this.keyframeRequested || !this.options.requiresKeyframeAfterLoss) return;
    this.keyframeRequested = true;
    this.counters.keyframesRequested++;
    log('jb %s: keyframe needed', this.options.logId);
  }
}

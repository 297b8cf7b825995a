/**
 * The sending half of an association: the send queue with per-stream buffered amounts,
 * fragmentation (RFC 9260 §6.9), TSN/SSN assignment, SACK processing (§6.2.1), fast
 * retransmit (§7.2.4), T3-rtx (§6.3), the peer's receive window, and partial reliability
 * (RFC 3758 §3.5). What it queues is in out-message.ts; the congestion window (§7.2) and fast
 * recovery in congestion.ts.
 */

import { DataFlags } from './chunk.js';
import { CongestionControl } from './congestion.js';
import { OutChunk, type OutMessage, OutStream, writeDataChunk } from './out-message.js';
import { tsnAdd, tsnDiff, tsnLe, tsnLt } from './serial.js';

/** Callbacks and settings the sender needs from its association. */
export interface SenderHost {
  now(): number;
  /** T3-rtx control (RFC 9260 §6.3.2). */
  startT3(): void;
  restartT3(): void;
  stopT3(): void;
  rttSample(ms: number): void;
  bufferedAmountLow(streamId: number): void;
}

/** Counters of the sending side. */
export interface SenderCounters {
  dataChunksSent: number;
  retransmissions: number;
  fastRetransmits: number;
  abandonedMessages: number;
}

/** Send-side state and algorithms. */
export class Sender {
  /** Next TSN to assign. */
  nextTsn: number;
  /** The peer's cumulative TSN ack, as last seen in a SACK. */
  cumulativeAck: number;
  /** RFC 3758 §3.5 Advanced.Peer.Ack.Point. */
  advancedPeerAck: number;
  flightSize = 0;
  peerRwnd: number;
  private readonly cc: CongestionControl;
  private fastRtxBudget = false;
  /** Set when a FORWARD-TSN should be sent. */
  forwardTsnPending = false;
  private readonly pending: OutMessage[] = [];
  private pendingHead = 0;
  private readonly inflight: OutChunk[] = [];
  private inflightHead = 0;
  private rtx: OutChunk[] = [];
  private rtxHead = 0;
  private rttTsn = -1;
  private rttSentAt = 0;
  readonly streams = new Map<number, OutStream>();
  readonly counters: SenderCounters = {
    dataChunksSent: 0,
    retransmissions: 0,
    fastRetransmits: 0,
    abandonedMessages: 0,
  };

  constructor(
    private readonly host: SenderHost,
    initialTsn: number,
    peerRwnd: number,
    mtu: number,
    /** Largest DATA payload: the MTU less the common header and DATA header. */
    private readonly maxPayload: number,
  ) {
    this.nextTsn = initialTsn >>> 0;
    this.cumulativeAck = tsnAdd(initialTsn, -1);
    this.advancedPeerAck = this.cumulativeAck;
    this.cc = new CongestionControl(mtu, peerRwnd);
    this.peerRwnd = peerRwnd;
  }

  /**
   * The path MTU changed (RFC 8899). Fragments keep the size cut for the base MTU; the PMTU
   * bounds packets (several chunks bundled) and scales the congestion window's steps.
   */
  setMtu(mtu: number): void {
    this.cc.setMtu(mtu);
  }

  /** The congestion window (RFC 9260 §7.2), bytes. */
  get cwnd(): number {
    return this.cc.cwnd;
  }

  /** The slow-start threshold (RFC 9260 §7.2), bytes. */
  get ssthresh(): number {
    return this.cc.ssthresh;
  }

  stream(id: number): OutStream {
    let s = this.streams.get(id);
    if (s === undefined) {
      s = new OutStream();
      this.streams.set(id, s);
    }
    return s;
  }

  /** Queues a message (the caller checked sizes and state). */
  enqueue(msg: OutMessage): void {
    this.pending.push(msg);
    this.stream(msg.streamId).buffered += msg.data.length;
  }

  /** True when nothing waits to be sent and nothing is unacknowledged. */
  get idle(): boolean {
    return this.pendingHead === this.pending.length && this.inflightHead === this.inflight.length;
  }

  /** True when a message waits for (more of) its first transmission. */
  get backlogged(): boolean {
    return this.pendingHead < this.pending.length;
  }

  /** DATA chunks sent and not yet covered by the cumulative ack (RFC 6458 sstat_unackdata). */
  get unackedChunks(): number {
    return this.inflight.length - this.inflightHead;
  }

  /** True when chunks were sent and are not yet covered by the cumulative ack. */
  get outstanding(): boolean {
    return this.inflightHead < this.inflight.length;
  }

  /** True when a message of `streamId` still waits for its first TSN. */
  hasQueued(streamId: number): boolean {
    for (let i = this.pendingHead; i < this.pending.length; i++) {
      const m = this.pending[i]!;
      if (m.streamId === streamId && !m.abandoned && m.offset < m.data.length) return true;
    }
    return false;
  }

  /** True when {@link writeData} would write something now. */
  get canSend(): boolean {
    if (this.rtxHead < this.rtx.length && (this.fastRtxBudget || this.flightSize < this.cc.cwnd)) {
      return true;
    }
    return (
      this.pendingHead < this.pending.length &&
      this.flightSize < this.cc.cwnd &&
      (this.peerRwnd > 0 || this.flightSize === 0)
    );
  }

  /**
   * Writes DATA chunks into `buf[off, end)`: retransmissions first, then new data, as cwnd and
   * the peer's window allow (RFC 9260 §6.1, §7.2). Returns the offset after the last chunk.
   */
  writeData(buf: Uint8Array, off: number, end: number): number {
    const now = this.host.now();
    let wrote = false;
    let lastOff = -1;
    // Retransmissions (§6.3.3 E3, §7.2.4 step 3: the first fast-retransmit packet ignores cwnd).
    while (this.rtxHead < this.rtx.length) {
      const c = this.rtx[this.rtxHead]!;
      if (!c.queuedRtx || c.acked || c.abandoned) {
        c.queuedRtx = false;
        this.rtxHead++;
        continue;
      }
      if (this.expired(c.msg, now, c.txCount)) {
        this.abandon(c.msg);
        this.rtxHead++;
        continue;
      }
      if (!this.fastRtxBudget && this.flightSize >= this.cc.cwnd) break;
      const size = 16 + c.payload.length;
      if (off + size > end) break;
      lastOff = off;
      off = writeDataChunk(buf, off, c);
      this.counters.dataChunksSent++;
      c.queuedRtx = false;
      c.txCount++;
      c.sentAt = now;
      c.inFlight = true;
      this.flightSize += c.payload.length;
      this.counters.retransmissions++;
      this.rtxHead++;
      wrote = true;
    }
    if (this.rtxHead === this.rtx.length && this.rtxHead > 0) {
      this.rtx.length = 0;
      this.rtxHead = 0;
    }
    this.fastRtxBudget = false;
    // New data (§6.1 A, B: respect the peer's window; one chunk when nothing is in flight).
    while (this.pendingHead < this.pending.length) {
      const msg = this.pending[this.pendingHead]!;
      if (msg.abandoned) {
        this.popPending();
        continue;
      }
      if (msg.offset === 0 && now > msg.expiresAt) {
        this.abandon(msg);
        this.popPending();
        continue;
      }
      if (this.flightSize >= this.cc.cwnd) break;
      const remaining = msg.data.length - msg.offset;
      const len = remaining < this.maxPayload ? remaining : this.maxPayload;
      if (this.peerRwnd < len && this.flightSize > 0) break;
      if (off + 16 + len > end) break;
      let flags = msg.ordered ? 0 : DataFlags.Unordered;
      const tsn = this.nextTsn;
      this.nextTsn = (tsn + 1) >>> 0;
      const stream = this.stream(msg.streamId);
      if (msg.offset === 0) {
        flags |= DataFlags.Begin;
        msg.firstTsn = tsn;
        msg.ssn = msg.ordered ? stream.nextSsn : 0;
        if (msg.ordered) stream.nextSsn = (stream.nextSsn + 1) & 0xffff;
      }
      msg.lastTsn = tsn;
      const payload = msg.data.subarray(msg.offset, msg.offset + len);
      msg.offset += len;
      if (msg.offset === msg.data.length) {
        flags |= DataFlags.End;
        this.popPending();
      }
      const c = new OutChunk(tsn, msg, flags, payload);
      lastOff = off;
      off = writeDataChunk(buf, off, c);
      this.counters.dataChunksSent++;
      c.txCount = 1;
      c.sentAt = now;
      c.inFlight = true;
      this.inflight.push(c);
      this.flightSize += len;
      this.peerRwnd = this.peerRwnd > len ? this.peerRwnd - len : 0;
      if (this.rttTsn < 0) {
        this.rttTsn = tsn;
        this.rttSentAt = now;
      }
      wrote = true;
      this.drained(stream, msg.streamId, len);
    }
    this.cc.onSendStopped(this.flightSize);
    if (wrote) {
      this.host.startT3();
      // RFC 7053 §4.1: when nothing more can be sent now (cwnd, the peer's window or an
      // empty queue), ask for an immediate SACK instead of waiting for the delayed ack.
      if (!this.canSend) buf[lastOff + 1]! |= DataFlags.Immediate;
    }
    return off;
  }

  private popPending(): void {
    this.pendingHead++;
    if (this.pendingHead === this.pending.length) {
      this.pending.length = 0;
      this.pendingHead = 0;
    } else if (this.pendingHead > 1024 && this.pendingHead * 2 > this.pending.length) {
      this.pending.splice(0, this.pendingHead);
      this.pendingHead = 0;
    }
  }

  private drained(stream: OutStream, streamId: number, bytes: number): void {
    const before = stream.buffered;
    stream.buffered = before - bytes;
    if (before > stream.lowThreshold && stream.buffered <= stream.lowThreshold) {
      this.host.bufferedAmountLow(streamId);
    }
  }

  private expired(msg: OutMessage, now: number, txCount: number): boolean {
    if (msg.maxRetransmits >= 0 && txCount > msg.maxRetransmits) return true;
    return now > msg.expiresAt;
  }

  /** RFC 3758 §3.5 A1-A3: abandons every chunk of `msg`, sent or not. */
  abandon(msg: OutMessage): void {
    if (msg.abandoned) return;
    msg.abandoned = true;
    this.counters.abandonedMessages++;
    if (msg.offset > 0 && this.inflightHead < this.inflight.length) {
      const base = this.inflight[this.inflightHead]!.tsn;
      for (let t = msg.firstTsn; tsnLe(t, msg.lastTsn); t = tsnAdd(t, 1)) {
        const i = this.inflightHead + tsnDiff(t, base);
        if (i < this.inflightHead) continue;
        const c = this.inflight[i];
        if (c === undefined) break;
        c.abandoned = true;
        if (c.inFlight) {
          c.inFlight = false;
          if (!c.acked) this.flightSize -= c.payload.length;
        }
        if (c.tsn === this.rttTsn) this.rttTsn = -1;
      }
      this.forwardTsnPending = true;
    }
    if (msg.offset < msg.data.length) {
      this.drained(this.stream(msg.streamId), msg.streamId, msg.data.length - msg.offset);
      msg.offset = msg.data.length;
    }
  }

  /**
   * RFC 9260 §6.2.1 (processing a SACK) with §7.2 congestion control. `gaps` holds pairs of
   * (start, end) offsets. Returns false when the SACK was ignored.
   */
  onSack(cumAck: number, aRwnd: number, gaps: Uint16Array, nGaps: number): boolean {
    if (tsnLt(cumAck, this.cumulativeAck)) return false; // §6.2.1 D i: out of order
    if (!tsnLt(cumAck, this.nextTsn)) return false; // acks a TSN never sent
    const now = this.host.now();
    const flightBefore = this.flightSize;
    const cumAdvanced = cumAck !== this.cumulativeAck;
    let ackedByCum = 0;
    let newlyAcked = 0;
    /** When the latest chunk this SACK newly acknowledges was sent, if sent once (Karn). */
    let lastSentAt = -1;
    /** When the latest chunk this SACK newly acknowledges was last sent, retransmitted or not. */
    let newestSentAt = -1;
    // Cumulative part.
    while (this.inflightHead < this.inflight.length) {
      const c = this.inflight[this.inflightHead]!;
      if (tsnLt(cumAck, c.tsn)) break;
      if (!c.acked && !c.abandoned) {
        newlyAcked += c.payload.length;
        ackedByCum += c.payload.length;
        if (c.txCount === 1 && c.sentAt > lastSentAt) lastSentAt = c.sentAt;
        if (c.sentAt > newestSentAt) newestSentAt = c.sentAt;
      }
      if (c.inFlight) {
        c.inFlight = false;
        if (!c.acked) this.flightSize -= c.payload.length;
      }
      c.acked = true;
      c.queuedRtx = false;
      if (c.tsn === this.rttTsn) {
        if (c.txCount === 1) this.host.rttSample(now - this.rttSentAt);
        this.rttTsn = -1;
      }
      this.inflightHead++;
    }
    this.cumulativeAck = cumAck;
    if (tsnLt(this.advancedPeerAck, cumAck)) this.advancedPeerAck = cumAck;
    this.compactInflight();
    // Gap ack blocks.
    let highestNewly = -1;
    if (nGaps > 0 && this.inflightHead < this.inflight.length) {
      const base = this.inflight[this.inflightHead]!.tsn;
      const count = this.inflight.length - this.inflightHead;
      for (let g = 0; g < nGaps; g++) {
        const s = gaps[2 * g]!;
        const e = gaps[2 * g + 1]!;
        if (e < s) continue;
        for (let k = s; k <= e; k++) {
          const idx = tsnDiff(tsnAdd(cumAck, k), base);
          if (idx < 0 || idx >= count) break;
          const c = this.inflight[this.inflightHead + idx]!;
          if (c.acked) continue;
          c.acked = true;
          c.queuedRtx = false;
          if (c.inFlight) {
            c.inFlight = false;
            this.flightSize -= c.payload.length;
          }
          if (!c.abandoned) newlyAcked += c.payload.length;
          if (c.txCount === 1 && c.sentAt > lastSentAt) lastSentAt = c.sentAt;
          if (c.sentAt > newestSentAt) newestSentAt = c.sentAt;
          if (idx > highestNewly) highestNewly = idx;
          // §6.3.1 C5: time the first acknowledgement, cumulative or not, of a chunk sent once.
          if (c.tsn === this.rttTsn) {
            if (c.txCount === 1) this.host.rttSample(now - this.rttSentAt);
            this.rttTsn = -1;
          }
        }
      }
    }
    // §7.2.4: miss indications for TSNs below the highest newly acknowledged one (HTNA).
    // A chunk already fast-retransmitted is counted again only from SACKs that newly
    // acknowledge a chunk sent after its retransmission: then that retransmission was lost
    // too. RFC 9260 leaves it to T3-rtx, at least RTO.Min later (400 ms here): a browser that
    // drops 1-3 % of what reaches it on loopback (its socket overflows) lost a retransmission
    // about once a transfer, and each stalled the association for 400 ms.
    if (highestNewly > 0) {
      let marked = false;
      for (let i = 0; i < highestNewly; i++) {
        const c = this.inflight[this.inflightHead + i]!;
        if (c.acked || c.abandoned || c.queuedRtx) continue;
        if (c.fastRetransmitted && !(newestSentAt > c.sentAt)) continue;
        if (++c.misses >= 3) {
          c.misses = 0;
          c.fastRetransmitted = true;
          this.queueRtx(c);
          this.counters.fastRetransmits++;
          marked = true;
        }
      }
      if (marked) {
        // §7.2.3 / §7.2.4 step 2: halve, enter fast recovery.
        this.cc.onFastRetransmit(tsnAdd(this.nextTsn, -1));
        this.fastRtxBudget = true;
      }
    }
    if (lastSentAt >= 0) this.cc.onRtt(now - lastSentAt);
    this.cc.onSack(cumAck, cumAdvanced, ackedByCum, newlyAcked, flightBefore, this.nextTsn);
    // §6.2.1 D iv: the peer's window less what is still outstanding.
    const rw = aRwnd - this.flightSize;
    this.peerRwnd = rw > 0 ? rw : 0;
    // §6.3.2 R2, R3.
    if (this.inflightHead === this.inflight.length) this.host.stopT3();
    else if (cumAdvanced) this.host.restartT3();
    this.advancePeerAck();
    return true;
  }

  private queueRtx(c: OutChunk): void {
    c.queuedRtx = true;
    if (c.inFlight) {
      c.inFlight = false;
      this.flightSize -= c.payload.length;
    }
    if (c.tsn === this.rttTsn) this.rttTsn = -1;
    this.rtx.push(c);
  }

  private compactInflight(): void {
    if (this.inflightHead === this.inflight.length) {
      this.inflight.length = 0;
      this.inflightHead = 0;
    } else if (this.inflightHead > 4096 && this.inflightHead * 2 > this.inflight.length) {
      this.inflight.splice(0, this.inflightHead);
      this.inflightHead = 0;
    }
  }

  /** RFC 3758 §3.5 C1-C3: moves the advanced peer ack point over abandoned chunks. */
  private advancePeerAck(): void {
    let i = this.inflightHead + tsnDiff(this.advancedPeerAck, this.cumulativeAck);
    while (i < this.inflight.length && this.inflight[i]!.abandoned) {
      this.advancedPeerAck = this.inflight[i]!.tsn;
      i++;
    }
    if (tsnLt(this.cumulativeAck, this.advancedPeerAck)) this.forwardTsnPending = true;
  }

  /**
   * The FORWARD-TSN to send (RFC 3758 §3.2): the new cumulative TSN and, per ordered stream,
   * the highest abandoned SSN. `undefined` when there is nothing to skip.
   */
  forwardTsn(): { newCumulativeTsn: number; streams: Map<number, number> } | undefined {
    this.advancePeerAck();
    this.forwardTsnPending = false;
    if (!tsnLt(this.cumulativeAck, this.advancedPeerAck)) return undefined;
    const streams = new Map<number, number>();
    const n = tsnDiff(this.advancedPeerAck, this.cumulativeAck);
    for (let i = 0; i < n; i++) {
      const c = this.inflight[this.inflightHead + i];
      if (c === undefined) break;
      if (c.msg.ordered) streams.set(c.msg.streamId, c.msg.ssn);
    }
    return { newCumulativeTsn: this.advancedPeerAck, streams };
  }

  /**
   * RFC 9260 §6.3.3 E1-E3 and §7.2.3: T3-rtx expired. Collapses cwnd and queues every
   * outstanding chunk for retransmission.
   */
  onT3Expired(): void {
    this.cc.onT3Expired();
    const now = this.host.now();
    this.rtx = [];
    this.rtxHead = 0;
    for (let i = this.inflightHead; i < this.inflight.length; i++) {
      const c = this.inflight[i]!;
      if (c.acked || c.abandoned) continue;
      if (this.expired(c.msg, now, c.txCount)) {
        this.abandon(c.msg);
        continue;
      }
      c.queuedRtx = false;
      this.queueRtx(c);
    }
    this.advancePeerAck();
  }

  /** The TSN of the last DATA chunk sent (RFC 6525 "Sender's Last Assigned TSN"). */
  get lastAssignedTsn(): number {
    return tsnAdd(this.nextTsn, -1);
  }

  /** Drops everything queued (association closed). */
  clear(): void {
    this.pending.length = 0;
    this.pendingHead = 0;
    this.inflight.length = 0;
    this.inflightHead = 0;
    this.rtx = [];
    this.rtxHead = 0;
    this.flightSize = 0;
  }
}

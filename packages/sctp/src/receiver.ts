/**
 * The receiving half of an association: TSN bookkeeping and SACK contents (RFC 9260 §6.2,
 * §6.7), reassembly of fragments and ordered/unordered delivery per stream (§6.5, §6.6,
 * §6.9), FORWARD-TSN (RFC 3758 §3.6) and incoming stream resets (RFC 6525 §5.2.2).
 */

import { type DataChunk, DataFlags } from './chunk.js';
import { ssnLt, tsnAdd, tsnDiff, tsnLe, tsnLt } from './serial.js';

/** How far above the cumulative TSN a TSN may be and still be accepted (gap offsets are 16-bit). */
export const TSN_WINDOW = 0x8000;
const MASK = 0xffff;

/** Called with each complete message. */
export type MessageSink = (streamId: number, ppid: number, data: Uint8Array) => void;

interface Ready {
  readonly ppid: number;
  readonly data: Uint8Array;
}

class InStream {
  expectedSsn = 0;
  /**
   * The payloads of a message arriving in TSN order from its Begin fragment, held here while
   * nothing arrives out of order (the common case): a fragment then costs an array push, not a
   * map entry and an object (4 % of what a receiver of bulk data from Chromium allocated).
   * Moved to {@link fragments} as soon as a fragment does not follow.
   */
  readonly run: Uint8Array[] = [];
  /** TSN, flags, SSN and PPID of the run's Begin fragment. */
  runTsn = 0;
  runFlags = 0;
  runSsn = 0;
  runPpid = 0;
  /** Fragments by TSN. */
  readonly fragments = new Map<number, DataChunk>();
  /** Complete ordered messages waiting for an earlier SSN. */
  readonly ready = new Map<number, Ready>();
}

/** What {@link Receiver.accept} did with a DATA chunk. */
export const AcceptResult = { New: 0, Duplicate: 1, OutOfWindow: 2, NoSpace: 3 } as const;

/** Receive-side state. */
export class Receiver {
  /** The cumulative TSN: every TSN up to it was received (or skipped by FORWARD-TSN). */
  cumulativeTsn: number;
  /** The highest TSN received. */
  private highestTsn: number;
  /**
   * One bit per TSN above the cumulative TSN received out of order (8 KiB, indexed by TSN mod
   * 2^16), allocated at the first such TSN: most associations never see one, and an idle
   * connection should not carry it.
   */
  private seen: Uint32Array | undefined;
  private readonly streams = new Map<number, InStream>();
  /** Payload bytes held (fragments and ordered messages waiting). */
  held = 0;
  /** The most a SACK advertises: the buffer, or less (see setAdvertisedLimit). */
  private advertiseLimit: number;
  private readonly dups: number[] = [];
  /** Messages dropped for exceeding the maximum message size. */
  oversized = 0;

  constructor(
    peerInitialTsn: number,
    private readonly bufferSize: number,
    private readonly maxMessageSize: number,
    private readonly sink: MessageSink,
  ) {
    this.cumulativeTsn = tsnAdd(peerInitialTsn, -1);
    this.highestTsn = this.cumulativeTsn;
    this.advertiseLimit = bufferSize;
  }

  /** Room in the receive buffer: what a DATA chunk is accepted against (RFC 9260 §6.2). */
  get window(): number {
    return Math.max(0, this.bufferSize - this.held);
  }

  /** The advertised receiver window a_rwnd (RFC 9260 §6.2): at most the advertised limit. */
  get advertisedWindow(): number {
    return Math.max(0, this.advertiseLimit - this.held);
  }

  /**
   * Offers at most `bytes` (never more than the buffer) in the SACKs from now on. Data the
   * peer sent against a larger window before is still accepted while the buffer has room.
   */
  setAdvertisedLimit(bytes: number): void {
    this.advertiseLimit = Math.min(this.bufferSize, bytes);
  }

  /** True when TSNs above the cumulative TSN were received (a gap exists). */
  get hasGaps(): boolean {
    return this.highestTsn !== this.cumulativeTsn;
  }

  /** True when duplicates wait to be reported. */
  get hasDuplicates(): boolean {
    return this.dups.length > 0;
  }

  /**
   * Takes one DATA chunk's TSN. Returns an {@link AcceptResult}: only `New` chunks are then
   * passed to {@link deliver}.
   */
  accept(tsn: number, size: number): number {
    const d = tsnDiff(tsn, this.cumulativeTsn);
    if (d <= 0 || this.isSeen(tsn)) {
      if (this.dups.length < 16) this.dups.push(tsn);
      return AcceptResult.Duplicate;
    }
    if (d >= TSN_WINDOW) return AcceptResult.OutOfWindow;
    // RFC 9260 §6.2: drop when the window is exhausted, unless the chunk fills the hole at
    // the cumulative TSN (which lets the window reopen).
    if (size > this.window && d !== 1) return AcceptResult.NoSpace;
    if (d === 1) {
      this.cumulativeTsn = tsn;
      this.advance();
    } else {
      this.seen ??= new Uint32Array((MASK + 1) / 32);
      this.seen[(tsn & MASK) >>> 5]! |= 1 << (tsn & 31);
    }
    if (tsnLt(this.highestTsn, tsn)) this.highestTsn = tsn;
    if (tsnLt(this.highestTsn, this.cumulativeTsn)) this.highestTsn = this.cumulativeTsn;
    return AcceptResult.New;
  }

  /** True when `tsn` (mod 2^16) is marked as received above the cumulative TSN. */
  private isSeen(tsn: number): boolean {
    const seen = this.seen;
    return seen !== undefined && (seen[(tsn & MASK) >>> 5]! & (1 << (tsn & 31))) !== 0;
  }

  private unsee(tsn: number): void {
    const seen = this.seen;
    if (seen !== undefined) seen[(tsn & MASK) >>> 5]! &= ~(1 << (tsn & 31));
  }

  private advance(): void {
    for (;;) {
      const next = tsnAdd(this.cumulativeTsn, 1);
      if (!this.isSeen(next)) break;
      this.unsee(next);
      this.cumulativeTsn = next;
    }
  }

  /**
   * Delivers or holds an accepted chunk. `chunk` is only read when the message needs
   * reassembly or reordering; the fast path hands `payload` on without a copy.
   */
  deliver(
    flags: number,
    tsn: number,
    streamId: number,
    ssn: number,
    ppid: number,
    payload: Uint8Array,
  ): void {
    const unordered = (flags & DataFlags.Unordered) !== 0;
    if ((flags & 3) === 3) {
      if (unordered) this.emit(streamId, ppid, payload);
      else this.ordered(this.stream(streamId), streamId, ssn, ppid, payload);
      return;
    }
    const st = this.stream(streamId);
    if (!unordered && ssnLt(ssn, st.expectedSsn)) return; // stale fragment of a delivered message
    const run = st.run;
    if (run.length > 0) {
      if (
        tsn === tsnAdd(st.runTsn, run.length) &&
        ssn === st.runSsn &&
        (flags & (DataFlags.Begin | DataFlags.Unordered)) === (st.runFlags & DataFlags.Unordered)
      ) {
        run.push(payload);
        this.held += payload.length;
        if ((flags & DataFlags.End) === 0) return;
        let total = 0;
        for (const part of run) total += part.length;
        this.complete(st, streamId, ssn, ppid, unordered, run, total);
        run.length = 0;
        return;
      }
      this.spill(st, streamId);
    } else if ((flags & DataFlags.Begin) !== 0 && st.fragments.size === 0) {
      // A Begin without its End (that case returned above): the start of a run.
      run.push(payload);
      st.runTsn = tsn;
      st.runFlags = flags;
      st.runSsn = ssn;
      st.runPpid = ppid;
      this.held += payload.length;
      return;
    }
    st.fragments.set(tsn, { type: 0, flags, tsn, streamId, ssn, ppid, payload });
    this.held += payload.length;
    // The message can only be complete when this fragment is its End or fills a hole before
    // fragments already held: in-order arrival then costs O(1) per fragment.
    if ((flags & DataFlags.End) === 0 && !st.fragments.has(tsnAdd(tsn, 1))) return;
    // Find the Begin fragment at or below tsn and the End at or above, all present.
    let first = tsn;
    let c = st.fragments.get(first)!;
    while ((c.flags & DataFlags.Begin) === 0) {
      const prev = st.fragments.get(tsnAdd(first, -1));
      if (prev === undefined) return;
      first = tsnAdd(first, -1);
      c = prev;
    }
    let last = tsn;
    c = st.fragments.get(last)!;
    while ((c.flags & DataFlags.End) === 0) {
      const next = st.fragments.get(tsnAdd(last, 1));
      if (next === undefined) return;
      last = tsnAdd(last, 1);
      c = next;
    }
    const n = tsnDiff(last, first) + 1;
    const parts: Uint8Array[] = new Array(n);
    let total = 0;
    for (let i = 0; i < n; i++) {
      const t = tsnAdd(first, i);
      const f = st.fragments.get(t)!;
      st.fragments.delete(t);
      parts[i] = f.payload;
      total += f.payload.length;
    }
    this.complete(st, streamId, ssn, ppid, unordered, parts, total);
  }

  /** A message's fragments, all held, in order: joined and delivered (or kept for its SSN). */
  private complete(
    st: InStream,
    streamId: number,
    ssn: number,
    ppid: number,
    unordered: boolean,
    parts: readonly Uint8Array[],
    total: number,
  ): void {
    this.held -= total;
    const data = Buffer.concat(parts, total);
    if (unordered) this.emit(streamId, ppid, data);
    else this.ordered(st, streamId, ssn, ppid, data);
  }

  /** Moves a stream's run to its fragment map: a fragment arrived that does not follow it. */
  private spill(st: InStream, streamId: number): void {
    const run = st.run;
    for (let i = 0; i < run.length; i++) {
      const tsn = tsnAdd(st.runTsn, i);
      const flags = i === 0 ? st.runFlags : st.runFlags & DataFlags.Unordered;
      st.fragments.set(tsn, {
        type: 0,
        flags,
        tsn,
        streamId,
        ssn: st.runSsn,
        ppid: st.runPpid,
        payload: run[i]!,
      });
    }
    run.length = 0;
  }

  private ordered(
    st: InStream,
    streamId: number,
    ssn: number,
    ppid: number,
    data: Uint8Array,
  ): void {
    if (ssn === st.expectedSsn) {
      st.expectedSsn = (ssn + 1) & 0xffff;
      this.emit(streamId, ppid, data);
      if (st.ready.size > 0) this.drain(st, streamId);
    } else if (ssnLt(st.expectedSsn, ssn)) {
      if (!st.ready.has(ssn)) {
        st.ready.set(ssn, { ppid, data });
        this.held += data.length;
      }
    }
  }

  private drain(st: InStream, streamId: number): void {
    for (let r = st.ready.get(st.expectedSsn); r !== undefined; r = st.ready.get(st.expectedSsn)) {
      st.ready.delete(st.expectedSsn);
      this.held -= r.data.length;
      st.expectedSsn = (st.expectedSsn + 1) & 0xffff;
      this.emit(streamId, r.ppid, r.data);
    }
  }

  private emit(streamId: number, ppid: number, data: Uint8Array): void {
    if (data.length > this.maxMessageSize) {
      this.oversized++;
      return;
    }
    this.sink(streamId, ppid, data);
  }

  private stream(id: number): InStream {
    let st = this.streams.get(id);
    if (st === undefined) {
      st = new InStream();
      this.streams.set(id, st);
    }
    return st;
  }

  /**
   * RFC 3758 §3.6: moves the cumulative TSN to `newCumulativeTsn`, drops the fragments it
   * covers, and skips the listed ordered SSNs.
   */
  forward(newCumulativeTsn: number, streams: ReadonlyArray<{ streamId: number; ssn: number }>) {
    if (tsnLe(newCumulativeTsn, this.cumulativeTsn)) return;
    if (tsnDiff(newCumulativeTsn, this.cumulativeTsn) >= TSN_WINDOW) return;
    for (let t = tsnAdd(this.cumulativeTsn, 1); tsnLe(t, newCumulativeTsn); t = tsnAdd(t, 1)) {
      this.unsee(t);
    }
    this.cumulativeTsn = newCumulativeTsn;
    if (tsnLt(this.highestTsn, newCumulativeTsn)) this.highestTsn = newCumulativeTsn;
    this.advance();
    for (const [id, st] of this.streams) {
      if (st.run.length > 0) this.spill(st, id);
      if (st.fragments.size === 0) continue;
      for (const [t, f] of st.fragments) {
        if (tsnLe(t, newCumulativeTsn)) {
          st.fragments.delete(t);
          this.held -= f.payload.length;
        }
      }
    }
    for (const { streamId, ssn } of streams) {
      const st = this.stream(streamId);
      // Deliver what is complete up to the skipped SSN, then move past it.
      while (ssnLt(st.expectedSsn, ssn) || st.expectedSsn === ssn) {
        const r = st.ready.get(st.expectedSsn);
        if (r !== undefined) {
          st.ready.delete(st.expectedSsn);
          this.held -= r.data.length;
          this.emit(streamId, r.ppid, r.data);
        }
        st.expectedSsn = (st.expectedSsn + 1) & 0xffff;
      }
      this.drain(st, streamId);
    }
  }

  /** RFC 6525 §5.2.2: resets the incoming SSNs of `streamIds` (all streams when empty). */
  resetStreams(streamIds: readonly number[]): void {
    const ids = streamIds.length > 0 ? streamIds : [...this.streams.keys()];
    for (const id of ids) {
      const st = this.streams.get(id);
      if (st === undefined) continue;
      for (const f of st.fragments.values()) this.held -= f.payload.length;
      for (const part of st.run) this.held -= part.length;
      for (const r of st.ready.values()) this.held -= r.data.length;
      this.streams.delete(id);
    }
  }

  /**
   * Writes the SACK value (RFC 9260 §3.3.4) after the chunk header at `off`; returns the
   * chunk length. At most `maxBlocks` gap blocks; the duplicate list is then cleared.
   */
  writeSack(buf: Uint8Array, off: number, maxBlocks: number): number {
    const cum = this.cumulativeTsn;
    const v = off + 4;
    writeU32(buf, v, cum);
    writeU32(buf, v + 4, this.advertisedWindow);
    let o = v + 12;
    let blocks = 0;
    if (this.highestTsn !== cum) {
      const span = tsnDiff(this.highestTsn, cum);
      let i = 1;
      while (i <= span && blocks < maxBlocks) {
        while (i <= span && !this.isSeen(cum + i)) i++;
        if (i > span) break;
        const start = i;
        while (i <= span && this.isSeen(cum + i)) i++;
        buf[o] = start >>> 8;
        buf[o + 1] = start & 0xff;
        buf[o + 2] = (i - 1) >>> 8;
        buf[o + 3] = (i - 1) & 0xff;
        o += 4;
        blocks++;
      }
    }
    for (const d of this.dups) {
      writeU32(buf, o, d);
      o += 4;
    }
    buf[v + 8] = blocks >>> 8;
    buf[v + 9] = blocks & 0xff;
    buf[v + 10] = this.dups.length >>> 8;
    buf[v + 11] = this.dups.length & 0xff;
    this.dups.length = 0;
    const len = o - off;
    buf[off] = 3;
    buf[off + 1] = 0;
    buf[off + 2] = len >>> 8;
    buf[off + 3] = len & 0xff;
    return len;
  }

  /** Upper bound of {@link writeSack}'s length. */
  sackSizeBound(maxBlocks: number): number {
    return 16 + 4 * maxBlocks + 4 * this.dups.length;
  }
}

function writeU32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = (v >>> 16) & 0xff;
  b[o + 2] = (v >>> 8) & 0xff;
  b[o + 3] = v & 0xff;
}

/**
 * What the sender queues and tracks: outgoing messages (with their partial reliability
 * limits, RFC 3758), the DATA chunks cut from them (RFC 9260 §6.9) and their transmission
 * state, the send side of each stream, and the DATA chunk encoding (§3.3.1).
 */

/** A message waiting to be sent, or in flight. */
export class OutMessage {
  offset = 0;
  /** SSN once the first fragment got a TSN; -1 before. */
  ssn = -1;
  firstTsn = 0;
  lastTsn = 0;
  abandoned = false;
  constructor(
    readonly streamId: number,
    readonly ppid: number,
    readonly data: Uint8Array,
    readonly ordered: boolean,
    /** Retransmissions allowed (RFC 3758 "limited retransmissions"); -1: unlimited. */
    readonly maxRetransmits: number,
    /** Clock time after which the message is abandoned (RFC 3758 "timed reliability"). */
    readonly expiresAt: number,
  ) {}
}

/** One DATA chunk in flight. */
export class OutChunk {
  sentAt = 0;
  txCount = 0;
  acked = false;
  abandoned = false;
  inFlight = false;
  queuedRtx = false;
  fastRetransmitted = false;
  misses = 0;
  constructor(
    readonly tsn: number,
    readonly msg: OutMessage,
    readonly flags: number,
    readonly payload: Uint8Array,
  ) {}
}

/** Per-stream send-side state. */
export class OutStream {
  nextSsn = 0;
  /** Bytes queued and not yet handed to the transport. */
  buffered = 0;
  lowThreshold = 0;
  /** An outgoing reset was asked for: no new messages until it completes. */
  resetting = false;
}

/**
 * Writes `c` as a DATA chunk (RFC 9260 §3.3.1) at `buf[off]`, padded to 4 bytes; returns the
 * offset after it.
 */
export function writeDataChunk(buf: Uint8Array, off: number, c: OutChunk): number {
  const p = c.payload;
  const len = 16 + p.length;
  const m = c.msg;
  buf[off] = 0;
  buf[off + 1] = c.flags;
  buf[off + 2] = len >>> 8;
  buf[off + 3] = len & 0xff;
  const t = c.tsn;
  buf[off + 4] = t >>> 24;
  buf[off + 5] = (t >>> 16) & 0xff;
  buf[off + 6] = (t >>> 8) & 0xff;
  buf[off + 7] = t & 0xff;
  buf[off + 8] = m.streamId >>> 8;
  buf[off + 9] = m.streamId & 0xff;
  buf[off + 10] = m.ssn >>> 8;
  buf[off + 11] = m.ssn & 0xff;
  const pp = m.ppid;
  buf[off + 12] = pp >>> 24;
  buf[off + 13] = (pp >>> 16) & 0xff;
  buf[off + 14] = (pp >>> 8) & 0xff;
  buf[off + 15] = pp & 0xff;
  buf.set(p, off + 16);
  let o = off + len;
  while (o & 3) buf[o++] = 0;
  return o;
}

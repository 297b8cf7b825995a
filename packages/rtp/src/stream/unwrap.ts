/**
 * Unwrapping of RTP's wrapping counters (RFC 3550 §5.1): the 16-bit sequence number and the
 * 32-bit timestamp become monotonic extended numbers, in the manner of RFC 3550 §A.1's
 * `cycles` count but decided per value, so a packet reordered across the wrap lands on the
 * right side of it.
 */

const SEQ_MOD = 0x1_0000;
const TS_MOD = 0x1_0000_0000;

/**
 * The signed distance from `b` to `a` on a circle of `mod` values: in `[-mod/2, mod/2)`, so
 * the nearer way round wins (a step of exactly half the circle counts as backward).
 */
function circularDelta(a: number, b: number, mod: number): number {
  const d = (a - b) % mod;
  const u = d < 0 ? d + mod : d;
  return u >= mod / 2 ? u - mod : u;
}

/**
 * RFC 1982 serial-number order of two 16-bit sequence numbers: the signed distance from `b`
 * to `a`, in `[-32768, 32767]`. Positive when `a` is newer than `b`.
 */
export function sequenceDelta(a: number, b: number): number {
  return circularDelta(a & 0xffff, b & 0xffff, SEQ_MOD);
}

/**
 * A counter of `mod` values unwrapped against the highest value seen so far: each value is
 * placed within half a circle of it (forward or backward), so reordering around the wrap is
 * handled and the result only grows with newer values.
 */
class Unwrapper {
  private highest: number | undefined;

  constructor(private readonly mod: number) {}

  /** The extended value of `value`, which becomes the reference when it is the newest. */
  unwrap(value: number): number {
    const extended = this.peek(value);
    if (this.highest === undefined || extended > this.highest) this.highest = extended;
    return extended;
  }

  /** The extended value of `value` without taking it into account. */
  peek(value: number): number {
    const v = value % this.mod;
    if (this.highest === undefined) return v;
    return this.highest + circularDelta(v, this.highest, this.mod);
  }

  /** The highest extended value returned so far, `undefined` before the first. */
  get highestExtended(): number | undefined {
    return this.highest;
  }

  /** Forgets the history: the next value is taken as it is, in cycle 0. */
  reset(): void {
    this.highest = undefined;
  }
}

/**
 * Unwraps 16-bit RTP sequence numbers (RFC 3550 §5.1) into a monotonic extended sequence
 * number: 65535 followed by 0 gives 65535, 65536. A value is placed within 32768 of the highest
 * seen so far, so a packet sent before the wrap and received after it (65534 after 1) unwraps
 * to 65534, not 131070. The first value is taken in cycle 0; a packet older than it by a wrap
 * unwraps below 0 (the first is 2, then 65535 gives -1), so the result can be negative.
 */
export class SequenceNumberUnwrapper {
  private readonly inner = new Unwrapper(SEQ_MOD);

  /** The extended sequence number of `sequenceNumber` (16 bits), remembered when it is the newest. */
  unwrap(sequenceNumber: number): number {
    return this.inner.unwrap(sequenceNumber & 0xffff);
  }

  /** The extended sequence number of `sequenceNumber` without remembering it. */
  peek(sequenceNumber: number): number {
    return this.inner.peek(sequenceNumber & 0xffff);
  }

  /** The highest extended sequence number so far, `undefined` before the first packet. */
  get highest(): number | undefined {
    return this.inner.highestExtended;
  }

  /** Starts over: the next sequence number is taken in cycle 0. */
  reset(): void {
    this.inner.reset();
  }
}

/**
 * Unwraps 32-bit RTP timestamps (RFC 3550 §5.1) into a monotonic extended timestamp:
 * 0xffffffff followed by 0 gives 2^32 - 1, 2^32. A value is placed within 2^31 of the highest
 * seen so far (at 90 kHz, 6.6 hours either way); B-frames and retransmissions with older
 * timestamps unwrap below it. The first value is taken as it is (cycle 0).
 */
export class TimestampUnwrapper {
  private readonly inner = new Unwrapper(TS_MOD);

  /** The extended timestamp of `timestamp` (32 bits), remembered when it is the newest. */
  unwrap(timestamp: number): number {
    return this.inner.unwrap(timestamp >>> 0);
  }

  /** The extended timestamp of `timestamp` without remembering it. */
  peek(timestamp: number): number {
    return this.inner.peek(timestamp >>> 0);
  }

  /** The highest extended timestamp so far, `undefined` before the first packet. */
  get highest(): number | undefined {
    return this.inner.highestExtended;
  }

  /** Starts over: the next timestamp is taken in cycle 0. */
  reset(): void {
    this.inner.reset();
  }
}

/** The SRTP and SRTCP anti-replay window (RFC 3711 §3.3.2). */

/** The default and smallest replay window, in packets (RFC 3711 §3.3.2: "at least 64"). */
export const MIN_REPLAY_WINDOW = 64;
/**
 * The largest replay window: beyond half the sequence number space the rollover counter
 * estimate (RFC 3711 Appendix A) could no longer tell an old packet from a new one.
 */
export const MAX_REPLAY_WINDOW = 32_768;

/**
 * @internal Sliding window over packet indices (48-bit SRTP or 31-bit SRTCP indices, exact in
 * a JS number). A ring of bits indexed by `index % capacity`; the slots between the old and the
 * new right edge are cleared as the window slides, so a check and an update cost O(1)
 * amortised and a window of 1024 packets takes 128 octets.
 * `check` before authenticating, `accept` only after the packet authenticated (RFC 3711 §3.3.2).
 */
export class ReplayWindow {
  private readonly bits: Uint32Array;
  private readonly capacity: number;
  /** Highest accepted index, -1 before the first. */
  private max = -1;

  constructor(readonly size: number) {
    this.bits = new Uint32Array(Math.ceil(size / 32));
    this.capacity = this.bits.length * 32;
  }

  /** True when `index` is new and inside (or ahead of) the window. */
  check(index: number): boolean {
    if (index > this.max) return true;
    if (this.max - index >= this.size) return false;
    const slot = index % this.capacity;
    return (this.bits[slot >>> 5]! & (1 << (slot & 31))) === 0;
  }

  /** Marks `index` as received; slides the window when it is the new highest. */
  accept(index: number): void {
    if (index > this.max) {
      if (index - this.max >= this.capacity) this.bits.fill(0);
      else
        for (let i = this.max + 1; i < index; i++) {
          const slot = i % this.capacity;
          this.bits[slot >>> 5]! &= ~(1 << (slot & 31));
        }
      this.max = index;
    }
    const slot = index % this.capacity;
    this.bits[slot >>> 5]! |= 1 << (slot & 31);
  }
}

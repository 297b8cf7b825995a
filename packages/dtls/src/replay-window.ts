/** Width of the anti-replay window, in records (RFC 6347 §4.1.2.6 asks for at least 32). */
export const REPLAY_WINDOW = 64;

/**
 * Sliding anti-replay window of RFC 6347 §4.1.2.6, for one epoch. A ring of flags indexed by
 * `seq % 64`: slots between the old and new right edge are cleared as the window slides, so
 * each check and update is O(1) amortised without 64-bit arithmetic on 48-bit numbers.
 * `check` before authenticating the record, `accept` only after it authenticated.
 */
export class ReplayWindow {
  private readonly seen = new Uint8Array(REPLAY_WINDOW);
  /** Highest accepted sequence number, -1 before the first. */
  private max = -1;

  /** True when `seq` is new and inside (or ahead of) the window. */
  check(seq: number): boolean {
    if (seq > this.max) return true;
    if (this.max - seq >= REPLAY_WINDOW) return false;
    return this.seen[seq % REPLAY_WINDOW] === 0;
  }

  /** Marks `seq` as received; slides the window when it is the new highest. */
  accept(seq: number): void {
    if (seq > this.max) {
      const gap = seq - this.max;
      if (gap >= REPLAY_WINDOW) this.seen.fill(0);
      else for (let s = this.max + 1; s < seq; s++) this.seen[s % REPLAY_WINDOW] = 0;
      this.max = seq;
    }
    this.seen[seq % REPLAY_WINDOW] = 1;
  }
}

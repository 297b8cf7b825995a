/**
 * @internal The bytes of the samples in a sliding window of time, for a rate: a ring of two
 * typed arrays that doubles when full (up to 65 536 samples, the oldest going first beyond),
 * not an object per sample. Each sample lives for the window, long enough for V8 to move an
 * object out of its young generation, and a stream of such objects kept its full collector
 * busy. The acknowledged bitrate of the send-side estimator and the TWCC recorder's incoming
 * rate both keep one.
 */

/** Samples a window holds at most: the oldest goes first beyond it (odd times cannot grow it). */
const MAX_SAMPLES = 0x10000;

export class ByteWindow {
  private times = new Float64Array(256);
  private sizes = new Float64Array(256);
  /** Index of the oldest sample in the ring. */
  private head = 0;
  private count = 0;
  private sum = 0;

  /** Bytes of the samples held. */
  get bytes(): number {
    return this.sum;
  }

  /** Samples held (at most 65 536). */
  get samples(): number {
    return this.count;
  }

  /** Adds a sample of `bytes` at `timeMs`, after the others (the oldest goes when full). */
  add(timeMs: number, bytes: number): void {
    if (this.count === this.times.length) {
      if (this.count < MAX_SAMPLES) this.grow();
      else this.dropOldest();
    }
    const i = (this.head + this.count) & (this.times.length - 1);
    this.times[i] = timeMs;
    this.sizes[i] = bytes;
    this.count++;
    this.sum += bytes;
  }

  /** Drops the oldest samples while their time is at or before `horizonMs`. */
  dropThrough(horizonMs: number): void {
    while (this.count > 0 && this.times[this.head]! <= horizonMs) this.dropOldest();
  }

  private dropOldest(): void {
    this.sum -= this.sizes[this.head]!;
    this.head = (this.head + 1) & (this.times.length - 1);
    this.count--;
  }

  private grow(): void {
    const n = this.times.length * 2;
    const times = new Float64Array(n);
    const sizes = new Float64Array(n);
    const mask = this.times.length - 1;
    for (let k = 0; k < this.count; k++) {
      times[k] = this.times[(this.head + k) & mask]!;
      sizes[k] = this.sizes[(this.head + k) & mask]!;
    }
    this.times = times;
    this.sizes = sizes;
    this.head = 0;
  }
}

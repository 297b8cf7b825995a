/**
 * @internal The packets a send-side estimator sent, by unwrapped transport-wide sequence
 * number, for the peer's TWCC feedback to be matched against: a ring of typed arrays, one slot
 * per sequence number modulo its size, so that a packet sent costs no object. It starts with
 * 1024 slots and doubles (up to 32 768, the most the estimator keeps) rather than overwrite a
 * packet younger than `historyMs`.
 */

/** What feedback found of a packet: not reported yet, received, reported lost. */
export enum SentResult {
  Pending = 0,
  Received = 1,
  Lost = 2,
}

const MIN_SLOTS = 1024;
const MAX_SLOTS = 0x8000;

export class SentPackets {
  private seqs = new Float64Array(MIN_SLOTS).fill(-1);
  private sizes = new Uint32Array(MIN_SLOTS);
  private times = new Float64Array(MIN_SLOTS);
  private probes = new Int32Array(MIN_SLOTS);
  private results = new Uint8Array(MIN_SLOTS);
  private mask = MIN_SLOTS - 1;
  /** The newest send time: packets older than it by `historyMs` are forgotten. */
  private newestMs = Number.NEGATIVE_INFINITY;

  constructor(private readonly historyMs: number) {}

  /** Notes packet `seq` (unwrapped, ≥ 0) sent at `sendTimeMs`; `probe` −1 outside a cluster. */
  add(seq: number, sizeBytes: number, sendTimeMs: number, probe: number): void {
    if (sendTimeMs > this.newestMs) this.newestMs = sendTimeMs;
    let i = seq & this.mask;
    while (
      this.seqs[i]! >= 0 &&
      this.seqs[i] !== seq &&
      this.times[i]! >= this.newestMs - this.historyMs &&
      this.seqs.length < MAX_SLOTS
    ) {
      this.grow();
      i = seq & this.mask;
    }
    this.seqs[i] = seq;
    this.sizes[i] = sizeBytes;
    this.times[i] = sendTimeMs;
    this.probes[i] = probe;
    this.results[i] = SentResult.Pending;
  }

  /** The slot of packet `seq` when it is still kept, else −1. */
  find(seq: number): number {
    const i = seq & this.mask;
    return this.seqs[i] === seq && this.times[i]! >= this.newestMs - this.historyMs ? i : -1;
  }

  size(slot: number): number {
    return this.sizes[slot]!;
  }

  sendTime(slot: number): number {
    return this.times[slot]!;
  }

  /** The probe cluster the packet was sent in, or undefined. */
  probe(slot: number): number | undefined {
    const p = this.probes[slot]!;
    return p < 0 ? undefined : p;
  }

  result(slot: number): SentResult {
    return this.results[slot]!;
  }

  setResult(slot: number, result: SentResult): void {
    this.results[slot] = result;
  }

  /** Doubles the ring; every kept packet moves to its slot in the larger one (none collide). */
  private grow(): void {
    const n = this.seqs.length * 2;
    const seqs = new Float64Array(n).fill(-1);
    const sizes = new Uint32Array(n);
    const times = new Float64Array(n);
    const probes = new Int32Array(n);
    const results = new Uint8Array(n);
    for (let i = 0; i < this.seqs.length; i++) {
      const seq = this.seqs[i]!;
      if (seq < 0) continue;
      const j = seq % n;
      seqs[j] = seq;
      sizes[j] = this.sizes[i]!;
      times[j] = this.times[i]!;
      probes[j] = this.probes[i]!;
      results[j] = this.results[i]!;
    }
    this.seqs = seqs;
    this.sizes = sizes;
    this.times = times;
    this.probes = probes;
    this.results = results;
    this.mask = n - 1;
  }
}

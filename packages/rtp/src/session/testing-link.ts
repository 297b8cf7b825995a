/**
 * Test helpers (not part of the build): a deterministic event loop on virtual ms and a lossy,
 * reordering one-way link over it.
 */

import { prng } from '../codecs/testing-frames.js';

/** Events at virtual times, run in time order (ties in the order they were scheduled). */
export class Sim {
  now = 0;
  private seq = 0;
  private readonly events: { at: number; seq: number; run: () => void }[] = [];

  at(at: number, run: () => void): void {
    this.events.push({ at: Math.max(at, this.now), seq: this.seq++, run });
    this.events.sort((a, b) => a.at - b.at || a.seq - b.seq);
  }

  /** Runs every event up to `until` (inclusive), then sets the time to `until`. */
  runUntil(until: number): void {
    for (;;) {
      const next = this.events[0];
      if (next === undefined || next.at > until) break;
      this.events.shift();
      this.now = next.at;
      next.run();
    }
    this.now = until;
  }
}

/** Options of a {@link Link}. */
export interface LinkOptions {
  /** One-way delay (ms). */
  readonly delayMs: number;
  /** Extra delay, uniform in [0, jitterMs): reorders packets closer than that. */
  readonly jitterMs?: number;
  /** Probability that a datagram is lost. */
  readonly loss?: number;
  readonly seed?: number;
  /**
   * No loss or jitter before this time (ms): RFC 3550 §A.1 validates a source on two packets
   * in sequence, and packets that arrive before it is valid are not counted.
   */
  readonly calmUntilMs?: number;
}

/** A one-way link that copies each datagram, loses some and delivers the rest after a delay. */
export class Link {
  sent = 0;
  lost = 0;
  readonly lostIndexes: number[] = [];
  private readonly rng: ReturnType<typeof prng>;

  constructor(
    private readonly sim: Sim,
    private readonly options: LinkOptions,
    private readonly deliver: (datagram: Uint8Array, arrivalMs: number, index: number) => void,
  ) {
    this.rng = prng(options.seed ?? 1);
  }

  send = (datagram: Uint8Array): void => {
    const index = this.sent++;
    const copy = Uint8Array.from(datagram);
    const calm = this.sim.now < (this.options.calmUntilMs ?? 0);
    const loss = this.rng.next() < (this.options.loss ?? 0) && !calm;
    const delay =
      this.options.delayMs + (calm ? 0 : this.rng.next() * (this.options.jitterMs ?? 0));
    if (loss) {
      this.lost++;
      this.lostIndexes.push(index);
      return;
    }
    this.sim.at(this.sim.now + delay, () => this.deliver(copy, this.sim.now, index));
  };
}

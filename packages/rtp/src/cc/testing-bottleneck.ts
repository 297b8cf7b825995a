/**
 * Test helper (not part of the build): a FIFO bottleneck link on simulated time, for the
 * congestion control simulations.
 */

/** Options of a {@link BottleneckLink}. */
export interface LinkOptions {
  /** Capacity at a time, bits/s. */
  readonly capacityBps: (tMs: number) => number;
  readonly propagationMs: number;
  /** Drop-tail limit of the queue, bytes. */
  readonly queueLimitBytes: number;
  readonly lossRate: number;
  readonly random: () => number;
}

/** A FIFO bottleneck: departures at the capacity, then the propagation delay. */
export class BottleneckLink {
  private lastDepartureMs = 0;
  dropped = 0;
  constructor(private readonly o: LinkOptions) {}

  /** The arrival time of a packet sent at `t`, or undefined when it is lost or dropped. */
  send(t: number, sizeBytes: number): { arrivalMs: number; queueMs: number } | undefined {
    if (this.o.random() < this.o.lossRate) return undefined;
    const backlogMs = Math.max(0, this.lastDepartureMs - t);
    if ((backlogMs * this.o.capacityBps(t)) / 8000 + sizeBytes > this.o.queueLimitBytes) {
      this.dropped++;
      return undefined;
    }
    const start = Math.max(t, this.lastDepartureMs);
    this.lastDepartureMs = start + (sizeBytes * 8000) / this.o.capacityBps(start);
    return { arrivalMs: this.lastDepartureMs + this.o.propagationMs, queueMs: start - t };
  }
}

import { ConfigurationError } from '../errors.js';
import type { Prng } from './prng.js';
import type { VirtualClock } from './virtual-clock.js';

/** How a link treats the datagrams that cross it. Every field applies in both directions. */
export interface LinkConditions {
  /** One-way delay in ms. Default 0 (delivery is still asynchronous). */
  readonly delayMs: number;
  /** Extra delay drawn uniformly from [0, jitterMs) per datagram. Default 0. */
  readonly jitterMs: number;
  /** Probability (0..1) that a datagram is lost. Default 0. */
  readonly lossRate: number;
  /** Probability (0..1) that a datagram is held back by `reorderDelayMs`, so later ones pass it. */
  readonly reorderRate: number;
  /** How long a reordered datagram is held back. Default 20 ms. */
  readonly reorderDelayMs: number;
  /** Probability (0..1) that a datagram arrives twice. Default 0. */
  readonly duplicateRate: number;
  /** Bits per second; 0 (the default) means unlimited. */
  readonly bandwidthBps: number;
  /** Bytes that may wait for the bandwidth before drop-tail sets in. Default 256 KiB. */
  readonly queueBytes: number;
  /** Largest IP packet (payload plus 28 bytes of IPv4+UDP or 48 of IPv6+UDP). Default 1500. */
  readonly mtu: number;
}

/** The defaults of {@link LinkConditions}: a perfect, instant link with a 1500-byte MTU. */
export const DEFAULT_LINK: LinkConditions = Object.freeze({
  delayMs: 0,
  jitterMs: 0,
  lossRate: 0,
  reorderRate: 0,
  reorderDelayMs: 20,
  duplicateRate: 0,
  bandwidthBps: 0,
  queueBytes: 256 * 1024,
  mtu: 1500,
});

/** Why a datagram did not arrive. */
export type DropReason =
  | 'loss'
  | 'mtu'
  | 'partition'
  | 'queue'
  | 'noRoute'
  | 'natFiltered'
  | 'noListener';

/** Counters of a link (or of the whole network). */
export interface LinkStats {
  /** Datagrams handed to the link. */
  readonly sent: number;
  /** Datagrams that came out of the far end (duplicates included). */
  readonly delivered: number;
  /** Datagrams duplicated. */
  readonly duplicated: number;
  /** Datagrams held back for reordering. */
  readonly reordered: number;
  readonly dropped: Readonly<Record<DropReason, number>>;
}

/** Mutable counters, shared by links and the network. */
export class Counters implements LinkStats {
  sent = 0;
  delivered = 0;
  duplicated = 0;
  reordered = 0;
  dropped: Record<DropReason, number> = {
    loss: 0,
    mtu: 0,
    partition: 0,
    queue: 0,
    noRoute: 0,
    natFiltered: 0,
    noListener: 0,
  };
}

/** Reports a drop to the link's counters and the network's. */
export type DropCounter = (reason: DropReason) => void;

function checkRate(name: string, value: number): void {
  if (!(value >= 0 && value <= 1)) {
    throw new ConfigurationError(`link ${name} must be within 0..1, got ${value}`);
  }
}

/**
 * A link between a host's interface and its router, or between a router and its parent.
 * Conditions can be changed at any time with {@link VirtualLink.set}; a partition drops every
 * datagram until it heals.
 */
export class VirtualLink {
  private conditions: LinkConditions;
  private partitioned = false;
  private readonly busyUntil = [0, 0];
  private readonly counters = new Counters();

  /** @internal */
  constructor(
    /** A readable name: `host a eth0 <-> router lan-a`. */
    readonly name: string,
    private readonly clock: VirtualClock,
    private readonly prng: Prng,
    conditions: Partial<LinkConditions> = {},
  ) {
    this.conditions = DEFAULT_LINK;
    this.set(conditions);
  }

  /** The conditions in force. */
  get current(): LinkConditions {
    return this.conditions;
  }

  /** Counters of this link. */
  get stats(): LinkStats {
    return this.counters;
  }

  /** True while the link is partitioned. */
  get isPartitioned(): boolean {
    return this.partitioned;
  }

  /** Changes some conditions; the others keep their value. */
  set(conditions: Partial<LinkConditions>): void {
    const next = { ...this.conditions, ...conditions };
    checkRate('lossRate', next.lossRate);
    checkRate('reorderRate', next.reorderRate);
    checkRate('duplicateRate', next.duplicateRate);
    for (const key of [
      'delayMs',
      'jitterMs',
      'reorderDelayMs',
      'bandwidthBps',
      'queueBytes',
    ] as const) {
      if (!(next[key] >= 0))
        throw new ConfigurationError(`link ${key} must be >= 0, got ${next[key]}`);
    }
    if (!(next.mtu >= 68)) throw new ConfigurationError(`link mtu must be >= 68, got ${next.mtu}`);
    this.conditions = Object.freeze(next);
  }

  /** Drops every datagram from now on, until {@link VirtualLink.heal}. */
  partition(): void {
    this.partitioned = true;
  }

  /** Ends a partition. */
  heal(): void {
    this.partitioned = false;
  }

  /**
   * Partitions the link at virtual time `atMs` (absolute, as `clock.now()`), and heals it at
   * `healAtMs` when given. The timers are the network's own: they never count as leaks.
   */
  partitionAt(atMs: number, healAtMs?: number): void {
    this.clock.setSystemTimeout(() => this.partition(), atMs - this.clock.now());
    if (healAtMs !== undefined) {
      if (healAtMs < atMs) throw new ConfigurationError('healAtMs must not come before atMs');
      this.clock.setSystemTimeout(() => this.heal(), healAtMs - this.clock.now());
    }
  }

  /**
   * @internal Carries one datagram of `size` IP bytes in `direction` (0 up, 1 down); calls
   * `arrive` once per copy that comes out, or `drop` with the reason it did not. A `reliable`
   * packet (a TCP segment) sees delay, bandwidth and partitions but neither loss, jitter,
   * reordering nor duplication, which TCP would hide.
   */
  transmit(
    size: number,
    direction: 0 | 1,
    reliable: boolean,
    arrive: () => void,
    drop: DropCounter,
  ): void {
    const c = this.conditions;
    const prng = this.prng;
    this.counters.sent++;
    if (this.partitioned) {
      this.drop('partition', drop);
      return;
    }
    if (size > c.mtu) {
      this.drop('mtu', drop);
      return;
    }
    if (!reliable && c.lossRate > 0 && prng.next() < c.lossRate) {
      this.drop('loss', drop);
      return;
    }
    const now = this.clock.now();
    let departure = now;
    if (c.bandwidthBps > 0) {
      const start = Math.max(now, this.busyUntil[direction]!);
      if (((start - now) * c.bandwidthBps) / 8000 > c.queueBytes) {
        this.drop('queue', drop);
        return;
      }
      departure = start + (size * 8000) / c.bandwidthBps;
      this.busyUntil[direction] = departure;
    }
    let delay = departure - now + c.delayMs;
    if (!reliable && c.jitterMs > 0) delay += prng.next() * c.jitterMs;
    if (!reliable && c.reorderRate > 0 && prng.next() < c.reorderRate) {
      delay += c.reorderDelayMs;
      this.counters.reordered++;
    }
    const copies = !reliable && c.duplicateRate > 0 && prng.next() < c.duplicateRate ? 2 : 1;
    if (copies === 2) this.counters.duplicated++;
    for (let i = 0; i < copies; i++) {
      this.clock.setSystemTimeout(
        () => {
          this.counters.delivered++;
          arrive();
        },
        delay + i * 0.001,
      );
    }
  }

  private drop(reason: DropReason, drop: DropCounter): void {
    this.counters.dropped[reason]++;
    drop(reason);
  }
}

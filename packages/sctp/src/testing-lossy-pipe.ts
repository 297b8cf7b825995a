/**
 * Test helper: two associations joined by an in-memory link on a VirtualClock, with loss,
 * duplication, reordering (jitter) and partitions driven by a seeded PRNG, so every run of a
 * test sees the same packets.
 */

import { Prng, type VirtualClock } from '@x/transport/testing';
import type { DatagramTransport } from './options.js';

/** A seeded PRNG in [0, 1) (the virtual network's), so that every lossy run is reproducible. */
export function prng(seed: number): () => number {
  const g = new Prng(seed);
  return () => g.next();
}

/** Link impairments. */
export interface LinkOptions {
  readonly seed?: number;
  /** Probability that a packet is lost. */
  readonly loss?: number;
  /** Probability that a packet is delivered twice. */
  readonly duplicate?: number;
  /** One-way delay in ms. Defaults to 5. */
  readonly delayMs?: number;
  /** Extra random delay in [0, jitterMs), which reorders packets. */
  readonly jitterMs?: number;
  /** Largest packet carried (the path MTU); larger ones are dropped. Defaults to no limit. */
  readonly mtu?: number;
  /**
   * The link copies each packet as it is sent, and its transports say so
   * (`copiesOnSend`): the associations then reuse one buffer for every packet they build.
   */
  readonly copies?: boolean;
  /** Drops the packets it returns true for (from 0: left to right), after the MTU check. */
  readonly drop?: (from: 0 | 1, packet: Uint8Array) => boolean;
}

/** Counters of one direction. */
export interface LinkCounters {
  sent: number;
  lost: number;
  /** Dropped for exceeding the link's MTU. */
  tooBig: number;
  duplicated: number;
  delivered: number;
}

type Receiver = (packet: Uint8Array) => void;

/** A two-ended lossy link. */
export class LossyLink {
  private readonly rand: () => number;
  private receivers: [Receiver | undefined, Receiver | undefined] = [undefined, undefined];
  /** When true, every packet is dropped (a dead path). */
  down = false;
  /** Packets seen in each direction, for tests that inspect the wire. */
  tap: ((from: 0 | 1, packet: Uint8Array) => void) | undefined;
  readonly counters: [LinkCounters, LinkCounters] = [
    { sent: 0, lost: 0, tooBig: 0, duplicated: 0, delivered: 0 },
    { sent: 0, lost: 0, tooBig: 0, duplicated: 0, delivered: 0 },
  ];
  /** The transport to give the left association. */
  readonly left: DatagramTransport;
  /** The transport to give the right association. */
  readonly right: DatagramTransport;

  constructor(
    private readonly clock: VirtualClock,
    private options: LinkOptions = {},
  ) {
    this.rand = prng(options.seed ?? 1);
    const copiesOnSend = options.copies === true;
    const send = (from: 0 | 1) => (p: Uint8Array) =>
      this.carry(from, copiesOnSend ? Uint8Array.from(p) : p);
    this.left = { send: send(0), copiesOnSend };
    this.right = { send: send(1), copiesOnSend };
  }

  /** Changes impairments from now on. */
  set(options: LinkOptions): void {
    this.options = { ...this.options, ...options };
  }

  /** Where packets sent by the other end go. */
  attach(left: Receiver, right: Receiver): void {
    this.receivers = [left, right];
  }

  private carry(from: 0 | 1, packet: Uint8Array): void {
    const c = this.counters[from];
    c.sent++;
    this.tap?.(from, packet);
    const o = this.options;
    if (packet.length > (o.mtu ?? Number.POSITIVE_INFINITY)) {
      c.tooBig++;
      return;
    }
    if (this.down || this.rand() < (o.loss ?? 0) || o.drop?.(from, packet) === true) {
      c.lost++;
      return;
    }
    const copies = this.rand() < (o.duplicate ?? 0) ? 2 : 1;
    if (copies === 2) c.duplicated++;
    const to = from === 0 ? 1 : 0;
    for (let i = 0; i < copies; i++) {
      const delay = (o.delayMs ?? 5) + this.rand() * (o.jitterMs ?? 0);
      this.clock.setSystemTimeout(() => {
        c.delivered++;
        this.receivers[to]?.(packet);
      }, delay);
    }
  }
}

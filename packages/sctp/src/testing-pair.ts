/**
 * Test helper: builds two associations over a {@link LossyLink} on a VirtualClock and
 * records what they deliver and report.
 */

import type { VirtualClock } from '@x/transport/testing';
import { Association } from './association.js';
import type { AssociationOptions } from './options.js';
import { type AssociationCause, AssociationState } from './state.js';
import { type LinkOptions, LossyLink } from './testing-lossy-pipe.js';

/** One received message. */
export interface Received {
  readonly streamId: number;
  readonly ppid: number;
  readonly data: Uint8Array;
}

/** One end of a test pair, with what it saw. */
export interface End {
  readonly assoc: Association;
  readonly messages: Received[];
  readonly states: Array<{ state: AssociationState; cause: AssociationCause }>;
  readonly incomingResets: number[][];
  readonly outgoingResets: Array<{ ids: readonly number[]; ok: boolean }>;
  readonly low: number[];
}

/** Two associations joined by a lossy link. */
export interface Pair {
  readonly link: LossyLink;
  readonly a: End;
  readonly b: End;
  /** Closes both (no packets) so no timer is left. */
  close(): void;
}

/** Builds a pair; options apply to both ends, then `aOptions`/`bOptions` on top. */
export function makePair(
  clock: VirtualClock,
  link: LinkOptions = {},
  options: AssociationOptions = {},
  aOptions: AssociationOptions = {},
  bOptions: AssociationOptions = {},
): Pair {
  const l = new LossyLink(clock, link);
  const end = (transport: typeof l.left, extra: AssociationOptions): End => {
    const e: {
      assoc?: Association;
      messages: Received[];
      states: End['states'];
      incomingResets: number[][];
      outgoingResets: End['outgoingResets'];
      low: number[];
    } = { messages: [], states: [], incomingResets: [], outgoingResets: [], low: [] };
    e.assoc = new Association(
      transport,
      {
        clock,
        ...options,
        ...extra,
        handlers: {
          onMessage: (streamId, ppid, data) => e.messages.push({ streamId, ppid, data }),
          onIncomingStreamsReset: (ids) => e.incomingResets.push([...ids]),
          onOutgoingStreamsReset: (ids, ok) => e.outgoingResets.push({ ids, ok }),
          onBufferedAmountLow: (sid) => e.low.push(sid),
        },
      },
      (state, cause) => e.states.push({ state, cause }),
    );
    return e as End;
  };
  const a = end(l.left, aOptions);
  const b = end(l.right, bOptions);
  l.attach(
    (p) => a.assoc.handlePacket(p),
    (p) => b.assoc.handlePacket(p),
  );
  return {
    link: l,
    a,
    b,
    close() {
      a.assoc.close();
      b.assoc.close();
    },
  };
}

/**
 * Both ends call `connect()` (simultaneous open, as in WebRTC); resolves true once both are
 * connected within `timeoutMs` of virtual time.
 */
export async function connectPair(
  clock: VirtualClock,
  p: Pair,
  timeoutMs = 60_000,
): Promise<boolean> {
  p.a.assoc.connect();
  p.b.assoc.connect();
  return clock.runUntil(
    () =>
      p.a.assoc.state === AssociationState.Connected &&
      p.b.assoc.state === AssociationState.Connected,
    { timeoutMs },
  );
}

/**
 * Two associations whose packets wait in queues (`toA`, `toB`) until the test hands them over,
 * so that it decides what arrives together in one turn of the event loop. `pump` delivers
 * both ways until the queues stay empty (at most 50 steps of 1 ms).
 */
export function queuedPair(clock: VirtualClock, aOptions: AssociationOptions = {}) {
  const toB: Uint8Array[] = [];
  const toA: Uint8Array[] = [];
  const opts = { clock, delayedAckMs: 200 };
  const a = new Association(
    { send: (p) => toB.push(Uint8Array.from(p)) },
    { ...opts, ...aOptions },
    () => {},
  );
  const b = new Association({ send: (p) => toA.push(Uint8Array.from(p)) }, opts, () => {});
  const pump = async (): Promise<void> => {
    for (let i = 0; i < 50 && (toA.length > 0 || toB.length > 0); i++) {
      for (const p of toB.splice(0)) b.handlePacket(p);
      for (const p of toA.splice(0)) a.handlePacket(p);
      await clock.advance(1);
    }
  };
  return { a, b, toA, toB, pump };
}

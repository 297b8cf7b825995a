/**
 * The association's own state enum and typed causes (ARCHITECTURE.md, "The state contract"),
 * and the queue that delivers them in order, never re-entrantly.
 */

import { debuglog } from 'node:util';

const log = debuglog('x:sctp');

/**
 * State of an {@link Association}. The RFC 9260 §4 states map onto these: CLOSED before
 * `connect()` is `New`; COOKIE-WAIT and COOKIE-ECHOED are `Connecting`; ESTABLISHED is
 * `Connected`; SHUTDOWN-PENDING, -SENT, -RECEIVED and -ACK-SENT are `ShuttingDown`.
 */
export enum AssociationState {
  New = 1,
  Connecting,
  Connected,
  ShuttingDown,
  Closed,
}

/** Which retransmission timer gave up (RFC 9260 §6.3.3, §8.1, §8.3). */
export type RetransmissionTimer =
  | 'init'
  | 'cookie'
  | 'data'
  | 'heartbeat'
  | 'shutdown'
  | 'reconfig';

/** An error cause carried by ABORT or ERROR (RFC 9260 §3.3.10). */
export interface ErrorCause {
  /** Cause code, see RFC 9260 §3.3.10 (12 is "User-Initiated Abort"). */
  readonly code: number;
  /** The cause's text when it has one (the upper layer's reason of a user-initiated abort). */
  readonly reason?: string;
}

/** Why the association changed state. */
export type AssociationCause =
  | { readonly kind: 'connect-called' }
  | { readonly kind: 'established'; readonly by: 'cookie-ack' | 'cookie-echo' }
  | { readonly kind: 'shutdown-called' }
  | { readonly kind: 'shutdown-received' }
  | { readonly kind: 'shutdown-complete' }
  | { readonly kind: 'aborted-by-peer'; readonly causes: readonly ErrorCause[] }
  | { readonly kind: 'aborted-locally'; readonly reason: string }
  | {
      readonly kind: 'too-many-retransmissions';
      readonly timer: RetransmissionTimer;
      readonly attempts: number;
    }
  | { readonly kind: 'closed-by-user' };

/** Receives every state change, after it is committed. */
export type AssociationNotifier = (state: AssociationState, cause: AssociationCause) => void;

/** Delivers state changes in order; a change made from inside the notifier is queued. */
export class StateQueue {
  private readonly queue: Array<[AssociationState, AssociationCause]> = [];
  private draining = false;

  constructor(private readonly notifier: AssociationNotifier | undefined) {}

  push(state: AssociationState, cause: AssociationCause): void {
    if (this.notifier === undefined) return;
    this.queue.push([state, cause]);
    if (this.draining) return;
    this.draining = true;
    try {
      for (let item = this.queue.shift(); item !== undefined; item = this.queue.shift()) {
        try {
          this.notifier(item[0], item[1]);
        } catch (error) {
          log('state notifier threw (ignored): %o', error);
        }
      }
    } finally {
      this.draining = false;
    }
  }
}

/**
 * The association's own state enum and typed causes (ARCHITECTURE.md, "The state contract"),
 * and the queue that delivers them in order, never re-entrantly.
 */

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

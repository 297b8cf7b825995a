/**
 * Extension: the event of a state change that says why, with the typed cause of
 * `state/causes.ts`. Browser code that reads only `type` runs unchanged (it is an `Event`).
 */
import type { RTCStateCause } from './state/causes.js';

/**
 * Extension: a state change event with its {@link RTCStateCause}: the event of
 * `iceconnectionstatechange` and `connectionstatechange`, of the transports' `statechange`,
 * and of a data channel's `closing` and `close`.
 */
export class RTCStateChangeEvent extends Event {
  readonly #cause: RTCStateCause;
  /** Fired by this package; a test double of a peer connection may make one too. */
  constructor(type: string, cause: RTCStateCause) {
    super(type);
    this.#cause = cause;
  }
  /**
   * Why the state changed: `kind` and its fields, the `layer`, and `message`, the sentence
   * that `${event.cause}` gives (e.g. "consent expired on … (RFC 7675)").
   */
  get cause(): RTCStateCause {
    return this.#cause;
  }
}

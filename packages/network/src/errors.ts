/**
 * Errors of `@x/network`. Use `NetworkError.isInstance(e)` rather than `instanceof`, which
 * fails when two copies of the package are loaded.
 */

import type { SctpTransportCause } from './transport-state.js';

const marker = Symbol.for('@x/network.error');

/** Base class of every error thrown by `@x/network`. */
export class NetworkError extends Error {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read by isInstance through `in`
  private readonly [marker] = true;
  override readonly name: string = 'NetworkError';

  /** True when `error` is a `NetworkError` from any copy of this package. */
  static isInstance(error: unknown): error is NetworkError {
    return typeof error === 'object' && error !== null && marker in error;
  }
}

/** The operation is not possible in the current state (closed manager, channel not open). */
export class InvalidStateError extends NetworkError {
  override readonly name = 'InvalidStateError';
}

/** An argument is out of range or of the wrong kind (a message above the peer's maximum size). */
export class InvalidArgumentError extends NetworkError {
  override readonly name = 'InvalidArgumentError';
}

/** No stream id is free, or the requested one is taken. */
export class OperationError extends NetworkError {
  override readonly name = 'OperationError';
}

/**
 * Why a data channel closed with an error: the association ended under it (the peer's ABORT,
 * retransmissions given up, DTLS closed or failed). Handed to `DataChannelHandlers.onClose`.
 */
export class ChannelClosedError extends NetworkError {
  override readonly name = 'ChannelClosedError';

  constructor(
    message: string,
    /**
     * The SCTP error cause code (RFC 9260 §3.3.10) that ended the association, when one
     * did: the first cause of the peer's ABORT (12, User-Initiated Abort, for a peer's
     * `close()`), or ours when we aborted.
     */
    readonly sctpCauseCode: number | undefined,
    /** The SCTP transport's change that closed the channel, as data (`message` is its sentence). */
    readonly transportCause: SctpTransportCause,
  ) {
    super(message);
  }
}

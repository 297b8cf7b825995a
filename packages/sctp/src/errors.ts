/**
 * Errors of `@x/sctp`. Every error thrown by this package extends {@link SctpError}; use
 * `SctpError.isInstance(e)` rather than `instanceof`, which fails when two copies of the
 * package are loaded. Bad input from the network is never thrown: it is dropped and counted
 * (see {@link AssociationStats}).
 */

const marker = Symbol.for('@x/sctp.error');

/** Base class of every error thrown by `@x/sctp`. */
export class SctpError extends Error {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read by isInstance through `in`
  private readonly [marker] = true;
  override readonly name: string = 'SctpError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }

  /** True when `error` is an `SctpError` from any copy of this package. */
  static isInstance(error: unknown): error is SctpError {
    return typeof error === 'object' && error !== null && marker in error;
  }
}

/** The association is not in a state that allows the operation (not connected, or closed). */
export class InvalidStateError extends SctpError {
  override readonly name = 'InvalidStateError';
}

/** A message is larger than the negotiated maximum message size. */
export class MessageTooLargeError extends SctpError {
  override readonly name = 'MessageTooLargeError';
  constructor(
    /** Size of the rejected message in bytes. */
    readonly size: number,
    /** The largest message the peer accepts. */
    readonly limit: number,
  ) {
    super(`message of ${size} bytes exceeds the maximum message size of ${limit} bytes; split it`);
  }
}

/** A stream id is out of range, or the stream is being reset. */
export class InvalidStreamError extends SctpError {
  override readonly name = 'InvalidStreamError';
  constructor(
    /** The stream id that was used. */
    readonly streamId: number,
    reason: string,
  ) {
    super(`stream ${streamId}: ${reason}`);
  }
}

/** An option value is out of range or inconsistent. */
export class SctpConfigurationError extends SctpError {
  override readonly name = 'SctpConfigurationError';
}

/**
 * Errors of `@x/rtp`. Every error thrown by this package extends {@link RtpError}; use
 * `RtpError.isInstance(e)` rather than `instanceof`, which fails when two copies of the
 * package are loaded. Bad input from the network is never thrown: parsers return a failure
 * reason instead, which the caller counts.
 */

const marker = Symbol.for('@x/rtp.error');

/** Base class of every error thrown by `@x/rtp`. */
export class RtpError extends Error {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read by isInstance through `in`
  private readonly [marker] = true;
  override readonly name: string = 'RtpError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }

  /** True when `error` is an `RtpError` from any copy of this package. */
  static isInstance(error: unknown): error is RtpError {
    return typeof error === 'object' && error !== null && marker in error;
  }
}

/** An option or an argument given by the program is out of range or inconsistent. */
export class RtpConfigurationError extends RtpError {
  override readonly name = 'RtpConfigurationError';
}

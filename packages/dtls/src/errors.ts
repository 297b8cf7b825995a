/**
 * Errors of `@x/dtls`. Every error thrown by this package extends {@link DtlsError}; use
 * `DtlsError.isInstance(e)` rather than `instanceof`, which fails when two copies of the
 * package are loaded. Bad input from the network is never thrown: it is dropped and counted.
 */

const marker = Symbol.for('@x/dtls.error');

/** Base class of every error thrown by `@x/dtls`. */
export class DtlsError extends Error {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read by isInstance through `in`
  private readonly [marker] = true;
  override readonly name: string = 'DtlsError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }

  /** True when `error` is a `DtlsError` from any copy of this package. */
  static isInstance(error: unknown): error is DtlsError {
    return typeof error === 'object' && error !== null && marker in error;
  }
}

/** An operation needs another transport state (sending before `connected`, exporting keys early). */
export class DtlsStateError extends DtlsError {
  override readonly name = 'DtlsStateError';
}

/** An option is out of range or inconsistent. */
export class DtlsConfigurationError extends DtlsError {
  override readonly name = 'DtlsConfigurationError';
}

/** A certificate or key could not be generated, loaded or encoded. */
export class CertificateError extends DtlsError {
  override readonly name = 'CertificateError';
}

/**
 * @internal Malformed bytes from the network. Thrown by the decoders and always caught at the
 * transport's boundary, where the input is dropped and counted.
 */
export class ParseError extends DtlsError {
  override readonly name = 'ParseError';
}

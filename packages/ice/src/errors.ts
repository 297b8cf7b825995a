/**
 * Errors of `@x/ice`. Every error thrown by this package extends {@link IceError}; use
 * `IceError.isInstance(e)` rather than `instanceof`, which fails when two copies of the package
 * are loaded. Bad input from the network is never thrown: it is dropped and counted in stats.
 */

const marker = Symbol.for('@x/ice.error');

/** Base class of every error thrown by `@x/ice`. */
export class IceError extends Error {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read by isInstance through `in`
  private readonly [marker] = true;
  override readonly name: string = 'IceError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }

  /** True when `error` is an `IceError` from any copy of this package. */
  static isInstance(error: unknown): error is IceError {
    return typeof error === 'object' && error !== null && marker in error;
  }
}

/** The agent configuration is invalid (empty ufrag, short pwd, bad server URL, ...). */
export class IceConfigError extends IceError {
  override readonly name = 'IceConfigError';
  constructor(
    /** The configuration field at fault. */
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** A `candidate:` attribute or a candidate object could not be parsed. */
export class CandidateParseError extends IceError {
  override readonly name = 'CandidateParseError';
  constructor(
    /** The text that failed to parse. */
    readonly input: string,
    reason: string,
  ) {
    super(`invalid candidate ${JSON.stringify(input)}: ${reason}`);
  }
}

/** A STUN message could not be encoded (bad transaction id, value too long, ...). */
export class StunEncodeError extends IceError {
  override readonly name = 'StunEncodeError';
}

/** The operation is not possible because the agent is closed. */
export class AgentClosedError extends IceError {
  override readonly name = 'AgentClosedError';
  constructor() {
    super('the ICE agent is closed; create a new one');
  }
}

/**
 * Errors of `@x/srtp`. Every error thrown by this package extends {@link SrtpError}; use
 * `SrtpError.isInstance(e)` rather than `instanceof`, which fails when two copies of the
 * package are loaded. Bad input from the network is never thrown: `unprotectRtp` and
 * `unprotectRtcp` drop it, count it per reason and log it at `NODE_DEBUG=x:srtp`.
 */

const marker = Symbol.for('@x/srtp.error');

/** Base class of every error thrown by `@x/srtp`. */
export class SrtpError extends Error {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read by isInstance through `in`
  private readonly [marker] = true;
  override readonly name: string = 'SrtpError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }

  /** True when `error` is an `SrtpError` from any copy of this package. */
  static isInstance(error: unknown): error is SrtpError {
    return typeof error === 'object' && error !== null && marker in error;
  }
}

/**
 * The configuration cannot work: an unknown protection profile, a master key or salt of the
 * wrong length for the profile, keying material of the wrong length, a replay window below
 * 64 packets, a stream bound or key lifetime out of range. Thrown at construction.
 */
export class SrtpConfigurationError extends SrtpError {
  override readonly name = 'SrtpConfigurationError';
}

/**
 * A master key reached its lifetime (RFC 3711 §9.2: at most 2^48 SRTP and 2^31 SRTCP packets
 * per master key, or the lower `keyLifetime` the session was given). Nothing was protected:
 * re-key (a new DTLS handshake gives new keys) and protect with the new session.
 */
export class SrtpKeyLifetimeError extends SrtpError {
  override readonly name = 'SrtpKeyLifetimeError';

  constructor(
    /** Which of the two limits was reached. */
    readonly kind: 'rtp' | 'rtcp',
    /** The number of packets the key may protect. */
    readonly limit: number,
  ) {
    super(
      `the local master key has protected its ${kind === 'rtp' ? 'SRTP' : 'SRTCP'} limit of ${limit} packets (RFC 3711 §9.2); re-key and protect with a new session`,
    );
  }
}

/**
 * `protectRtp` or `protectRtcp` was handed something that is not an RTP or RTCP packet (too
 * short, version not 2, a header extension running past the end). The caller built it, so
 * this is a programming error and is thrown, unlike bad input from the network.
 */
export class SrtpPacketError extends SrtpError {
  override readonly name = 'SrtpPacketError';
}

/**
 * Errors of `@x/transport`. Every error thrown by this package extends {@link TransportError};
 * use `TransportError.isInstance(e)` rather than `instanceof`, which fails when two copies of
 * the package are loaded.
 */

const marker = Symbol.for('@x/transport.error');

/** Base class of every error thrown by `@x/transport`. */
export class TransportError extends Error {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read by isInstance through `in`
  private readonly [marker] = true;
  override readonly name: string = 'TransportError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }

  /** True when `error` is a `TransportError` from any copy of this package. */
  static isInstance(error: unknown): error is TransportError {
    return typeof error === 'object' && error !== null && marker in error;
  }
}

/** Binding a socket failed: the port is taken, or the address is not one of this host's. */
export class BindError extends TransportError {
  override readonly name = 'BindError';
  constructor(
    message: string,
    /** The address that was asked for. */
    readonly address: string,
    /** The port that was asked for (0 means any). */
    readonly port: number,
    /** The system error code when there is one (`EADDRINUSE`, `EADDRNOTAVAIL`, ...). */
    readonly code: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** An operation was attempted on a socket (or server) that is already closed. */
export class SocketClosedError extends TransportError {
  override readonly name = 'SocketClosedError';
}

/** A datagram is larger than a UDP datagram can be (65 507 bytes over IPv4, 65 527 over IPv6). */
export class DatagramTooLargeError extends TransportError {
  override readonly name = 'DatagramTooLargeError';
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super(
      `datagram of ${size} bytes exceeds the UDP limit of ${limit} bytes; split it or use a stream`,
    );
  }
}

/** An address is malformed, or of a family the socket cannot reach. */
export class InvalidAddressError extends TransportError {
  override readonly name = 'InvalidAddressError';
  constructor(
    readonly address: string,
    reason: string,
  ) {
    super(`invalid address ${JSON.stringify(address)}: ${reason}`);
  }
}

/** A TCP connection could not be made (refused, unreachable, timed out). */
export class ConnectError extends TransportError {
  override readonly name = 'ConnectError';
  constructor(
    message: string,
    readonly host: string,
    readonly port: number,
    readonly code: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A configuration value is out of range or inconsistent. */
export class ConfigurationError extends TransportError {
  override readonly name = 'ConfigurationError';
}

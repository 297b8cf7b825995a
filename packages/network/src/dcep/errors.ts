/**
 * Errors of the data channel establishment protocol (RFC 8832). They live beside the DCEP code
 * until the package's own `errors.ts` exists; the marker makes `isInstance` work across copies.
 */

const marker = Symbol.for('@x/network.dcep.error');

/** Base class of every error thrown by the DCEP helpers of `@x/network`. */
export class DcepError extends Error {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read by isInstance through `in`
  private readonly [marker] = true;
  override readonly name: string = 'DcepError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }

  /** True when `error` is a `DcepError` from any copy of this package. */
  static isInstance(error: unknown): error is DcepError {
    return typeof error === 'object' && error !== null && marker in error;
  }
}

/** Why a DCEP message could not be decoded (the `code` of {@link DcepDecodeFailure}). */
export type DcepDecodeErrorCode =
  | 'empty'
  | 'unknown-message-type'
  | 'truncated'
  | 'trailing-bytes'
  | 'unknown-channel-type'
  | 'invalid-utf8';

/**
 * A decode failure as a plain value, returned (never thrown) by `tryDecodeDcepMessage`: the
 * message came from the network and is to be dropped and counted.
 */
export interface DcepDecodeFailure {
  /** What is wrong. */
  readonly code: DcepDecodeErrorCode;
  /** Byte offset in the message where the problem was found. */
  readonly offset: number;
  /** A readable explanation, for debug logs. */
  readonly message: string;
}

/** Thrown by `decodeDcepMessage` (the throwing variant) for a malformed message. */
export class DcepDecodeError extends DcepError {
  override readonly name = 'DcepDecodeError';
  /** What is wrong. */
  readonly code: DcepDecodeErrorCode;
  /** Byte offset in the message where the problem was found. */
  readonly offset: number;

  constructor(failure: DcepDecodeFailure) {
    super(`malformed DCEP message at byte ${failure.offset}: ${failure.message}`);
    this.code = failure.code;
    this.offset = failure.offset;
  }
}

/** A DATA_CHANNEL_OPEN could not be encoded (a field out of range, a label too long). */
export class DcepEncodeError extends DcepError {
  override readonly name = 'DcepEncodeError';
  constructor(
    /** The field at fault. */
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** No stream identifier of this endpoint's parity is free, or a requested one is taken. */
export class StreamIdError extends DcepError {
  override readonly name = 'StreamIdError';
  constructor(
    message: string,
    /** The stream identifier asked for, when one was. */
    readonly streamId: number | undefined,
  ) {
    super(message);
  }
}

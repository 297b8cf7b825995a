/**
 * Errors of the SDP layer of `@x/webrtc`. Each carries the name of the DOMException that
 * `setLocalDescription`/`setRemoteDescription` must reject with (W3C webrtc-pc §4.4.1.5/6):
 * a syntax error is an `RTCError` with `errorDetail` "sdp-syntax-error" and `sdpLineNumber`
 * (an `OperationError`); a description that parses but is invalid is an `InvalidAccessError`.
 */

const marker = Symbol.for('@x/webrtc.sdp.error');

/** Base class of every SDP error of `@x/webrtc`. */
export class SdpError extends Error {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read by isInstance through `in`
  private readonly [marker] = true;
  override readonly name: string = 'SdpError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }

  /** True when `error` is an `SdpError` from any copy of this package. */
  static isInstance(error: unknown): error is SdpError {
    return typeof error === 'object' && error !== null && marker in error;
  }
}

/** What is wrong with the text of a session description (RFC 8866 §5 grammar). */
export type SdpSyntaxErrorCode =
  | 'empty'
  | 'malformed-line'
  | 'bad-version'
  | 'missing-line'
  | 'misplaced-line'
  | 'bad-origin'
  | 'bad-timing'
  | 'bad-connection'
  | 'bad-media'
  | 'bad-attribute';

/**
 * The text is not valid SDP (RFC 8866 §9 grammar, or the grammar of a known attribute).
 * W3C: reject with an `RTCError` (an `OperationError`) whose `errorDetail` is
 * "sdp-syntax-error" and whose `sdpLineNumber` is {@link lineNumber}.
 */
export class SdpSyntaxError extends SdpError {
  override readonly name = 'SdpSyntaxError';
  /** The DOMException name to reject with. */
  readonly domExceptionName = 'OperationError';
  /** W3C `RTCErrorDetailType`. */
  readonly errorDetail = 'sdp-syntax-error';

  constructor(
    /** What is wrong. */
    readonly code: SdpSyntaxErrorCode,
    /** 1-based line number of the offending line (0 when the whole text is at fault). */
    readonly lineNumber: number,
    /** The offending line, without its line ending. */
    readonly line: string,
    reason: string,
  ) {
    super(
      lineNumber > 0
        ? `SDP line ${lineNumber} (${JSON.stringify(line)}): ${reason}`
        : `SDP: ${reason}`,
    );
  }
}

/** What is wrong with a description that parses (RFC 9429 §5.8, RFC 8839, RFC 8842, RFC 8843). */
export type SdpInvalidErrorCode =
  | 'missing-ice-ufrag'
  | 'missing-ice-pwd'
  | 'bad-ice-ufrag'
  | 'bad-ice-pwd'
  | 'missing-fingerprint'
  | 'invalid-fingerprint'
  | 'bad-setup'
  | 'missing-mid'
  | 'duplicate-mid'
  | 'bad-bundle'
  | 'answer-mismatch';

/**
 * The description parses but cannot be applied (missing ICE credentials or fingerprint, a
 * setup role that is not allowed, mids that do not match). W3C: reject with an
 * `InvalidAccessError`.
 */
export class SdpInvalidError extends SdpError {
  override readonly name = 'SdpInvalidError';
  /** The DOMException name to reject with. */
  readonly domExceptionName = 'InvalidAccessError';

  constructor(
    /** What is wrong. */
    readonly code: SdpInvalidErrorCode,
    /** The mid of the media section at fault, when the problem is in one. */
    readonly mid: string | undefined,
    /** Index of the media section at fault (0-based), or -1 for the session level. */
    readonly mediaIndex: number,
    /** 1-based line number of the offending line when there is one, else 0. */
    readonly lineNumber: number,
    reason: string,
  ) {
    super(
      `${mediaIndex < 0 ? 'session' : `media section ${mediaIndex}${mid === undefined ? '' : ` (mid ${mid})`}`}${lineNumber > 0 ? `, line ${lineNumber}` : ''}: ${reason}`,
    );
  }
}

import { SdpError, SdpSyntaxError } from './sdp/errors.js';

/**
 * W3C `RTCError` (webrtc-pc §11.1): the `OperationError` DOMException of WebRTC, with what
 * failed in `errorDetail` and the fields that detail uses.
 */

/** W3C `RTCErrorDetailType`. */
export type RTCErrorDetailType =
  | 'data-channel-failure'
  | 'dtls-failure'
  | 'fingerprint-failure'
  | 'sctp-failure'
  | 'sdp-syntax-error'
  | 'hardware-encoder-not-available'
  | 'hardware-encoder-error';

/** W3C `RTCErrorInit`. */
export interface RTCErrorInit {
  errorDetail: RTCErrorDetailType;
  sdpLineNumber?: number;
  sctpCauseCode?: number;
  receivedAlert?: number;
  sentAlert?: number;
  httpRequestStatusCode?: number;
}

const DETAILS: readonly string[] = [
  'data-channel-failure',
  'dtls-failure',
  'fingerprint-failure',
  'sctp-failure',
  'sdp-syntax-error',
  'hardware-encoder-not-available',
  'hardware-encoder-error',
];

/**
 * W3C `RTCError`: a DOMException named `OperationError`. `setRemoteDescription()` rejects
 * with one (`sdp-syntax-error`, with `sdpLineNumber`) for text that is not SDP; a data
 * channel's `error` event carries one (`sctp-failure`, `data-channel-failure`).
 */
export class RTCError extends DOMException {
  // WebIDL readonly attributes: getters on the prototype, no setter (an assignment is ignored,
  // or throws in strict mode), over slots the constructor fills once.
  readonly #errorDetail: RTCErrorDetailType;
  readonly #sdpLineNumber: number | null;
  readonly #sctpCauseCode: number | null;
  readonly #receivedAlert: number | null;
  readonly #sentAlert: number | null;
  readonly #httpRequestStatusCode: number | null;

  constructor(init: RTCErrorInit, message = '') {
    if (init === null || typeof init !== 'object' || !DETAILS.includes(init.errorDetail))
      throw new TypeError('RTCError needs an RTCErrorInit with a valid errorDetail');
    super(message, 'OperationError');
    this.#errorDetail = init.errorDetail;
    // WebIDL: `long` members wrap to 32-bit signed, `unsigned long` ones to unsigned.
    this.#sdpLineNumber = integer(init.sdpLineNumber, true);
    this.#sctpCauseCode = integer(init.sctpCauseCode, true);
    this.#receivedAlert = integer(init.receivedAlert, false);
    this.#sentAlert = integer(init.sentAlert, false);
    this.#httpRequestStatusCode = integer(init.httpRequestStatusCode, false);
  }

  /** What failed. */
  get errorDetail(): RTCErrorDetailType {
    return this.#errorDetail;
  }
  /** `sdp-syntax-error`: the line of the SDP where the error was found; else null. */
  get sdpLineNumber(): number | null {
    return this.#sdpLineNumber;
  }
  /** `sctp-failure`: the SCTP cause code (RFC 9260 §3.3.10) when there was one; else null. */
  get sctpCauseCode(): number | null {
    return this.#sctpCauseCode;
  }
  /** `dtls-failure`: the fatal DTLS alert received from the peer; else null. */
  get receivedAlert(): number | null {
    return this.#receivedAlert;
  }
  /** `dtls-failure`: the fatal DTLS alert sent to the peer; else null. */
  get sentAlert(): number | null {
    return this.#sentAlert;
  }
  /** webrtc-identity (a partial interface): the HTTP status of a failed identity request; else null. */
  get httpRequestStatusCode(): number | null {
    return this.#httpRequestStatusCode;
  }
}

/**
 * A WebIDL `long` (`signed`) or `unsigned long` dictionary member: absent is null; otherwise
 * ToNumber (TypeError for a Symbol or a BigInt), truncated, NaN and infinities 0, modulo 2^32.
 */
function integer(value: unknown, signed: boolean): number | null {
  if (value === undefined) return null;
  if (typeof value === 'symbol' || typeof value === 'bigint')
    throw new TypeError('an RTCErrorInit member must be a number');
  const n = Math.trunc(Number(value));
  if (!Number.isFinite(n)) return 0;
  return signed ? n | 0 : n >>> 0;
}

/**
 * @internal What a description that cannot be applied rejects with (webrtc-pc "set the session
 * description"): an `RTCError` with `sdp-syntax-error` and the line for text that is not SDP,
 * an InvalidAccessError for a description that parses but cannot be used.
 */
export function descriptionError(error: unknown): DOMException {
  if (error instanceof SdpSyntaxError) {
    return new RTCError(
      {
        errorDetail: 'sdp-syntax-error',
        ...(error.lineNumber > 0 ? { sdpLineNumber: error.lineNumber } : {}),
      },
      `invalid description: ${error.message}`,
    );
  }
  const reason = SdpError.isInstance(error) ? error.message : String(error);
  return new DOMException(`invalid description: ${reason}`, 'InvalidAccessError');
}

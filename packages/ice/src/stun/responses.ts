/**
 * Building blocks of a STUN server's answers (RFC 8489 §6.3): the 420 answer to unknown
 * comprehension-required attributes, and error responses in general.
 */
import { StunAttr, StunClass } from './constants.js';
import type { StunMessage } from './message.js';
import { type FinishOptions, StunWriter } from './writer.js';

/** An error response to `request` with ERROR-CODE `code` (RFC 8489 §6.3.4). */
export function errorResponse(
  request: StunMessage,
  code: number,
  reason: string,
  finish: FinishOptions = { fingerprint: true },
): Buffer {
  return new StunWriter(request.method, StunClass.ErrorResponse, request.transactionId)
    .addErrorCode(code, reason)
    .finish(finish);
}

/**
 * RFC 8489 §6.3.1: a request with comprehension-required attributes the server does not
 * understand gets a 420 (Unknown Attribute) listing them in UNKNOWN-ATTRIBUTES. Returns
 * undefined when the request has none.
 */
export function unknownAttributesResponse(
  request: StunMessage,
  finish: FinishOptions = { fingerprint: true },
): Buffer | undefined {
  const unknown = request.unknownComprehensionRequired();
  if (unknown.length === 0) return undefined;
  return new StunWriter(request.method, StunClass.ErrorResponse, request.transactionId)
    .addErrorCode(420, 'Unknown Attribute')
    .addUnknownAttributes(unknown)
    .finish(finish);
}

/** Attribute type names for logs. */
export function attributeName(type: number): string {
  return StunAttr[type] ?? `0x${type.toString(16).padStart(4, '0')}`;
}

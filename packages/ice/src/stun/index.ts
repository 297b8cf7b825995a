export { formatIpv6, ipv6Bytes } from './address.js';
export {
  FINGERPRINT_XOR,
  HEADER_LENGTH,
  KNOWN_ATTRIBUTES,
  MAGIC_COOKIE,
  messageType,
  StunAttr,
  StunClass,
  StunMethod,
} from './constants.js';
export {
  computeFingerprint,
  longTermKey,
  prepareString,
  verifyFingerprint,
  verifyIntegrity,
} from './integrity.js';
export { attributeName, errorResponse, unknownAttributesResponse } from './responses.js';
export { decodeStun, isStun, type StunErrorCode, StunMessage } from './message.js';
export {
  type ClientTransaction,
  type RetransmitOptions,
  StunTransactions,
  type TransactionOutcome,
} from './transaction.js';
export { type FinishOptions, newTransactionId, StunWriter } from './writer.js';

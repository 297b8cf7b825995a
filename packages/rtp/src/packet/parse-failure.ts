/**
 * Why {@link parseRtp} refused a datagram. Parsing never throws on network input: it returns
 * one of these codes, which the caller counts (drops per reason) and logs at debug level.
 */
export type RtpParseFailure =
  /** Fewer than the 12 bytes of the fixed header (RFC 3550 §5.1). */
  | 'too-short'
  /** The version field is not 2. */
  | 'bad-version'
  /** The CSRC list (CC × 4 bytes) runs past the end of the datagram. */
  | 'csrc-overflow'
  /** The X bit is set but the extension header or its data runs past the end (RFC 3550 §5.3.1). */
  | 'extension-overflow'
  /** The P bit is set and the padding count is larger than what follows the header. */
  | 'padding-overflow'
  /** The P bit is set and the padding count is 0 (RFC 3550 §5.1: the count includes itself). */
  | 'zero-padding';

/** Every {@link RtpParseFailure}, in a fixed order: handy to set up one counter per reason. */
export const RTP_PARSE_FAILURES: readonly RtpParseFailure[] = [
  'too-short',
  'bad-version',
  'csrc-overflow',
  'extension-overflow',
  'padding-overflow',
  'zero-padding',
];

/** True when `result` is a failure code rather than a packet. */
export function isRtpParseFailure(result: unknown): result is RtpParseFailure {
  return typeof result === 'string';
}

/**
 * The RTCP common header (RFC 3550 §6.4.1, RFC 4585 §6.1): packet types, parse failure codes,
 * and the byte helpers every packet type uses. Each packet type's file exports a decoder over
 * `b[start, end)` (the packet, header included, padding removed) that never throws, a size and
 * an encoder.
 */

import { RtpConfigurationError } from '../errors.js';

/** RTCP packet types (RFC 3550 §12.1, RFC 4585 §6.1, RFC 3611 §2). */
export const RtcpPacketType = {
  /** Sender report, RFC 3550 §6.4.1. */
  SR: 200,
  /** Receiver report, RFC 3550 §6.4.2. */
  RR: 201,
  /** Source description, RFC 3550 §6.5. */
  SDES: 202,
  /** Goodbye, RFC 3550 §6.6. */
  BYE: 203,
  /** Application-defined, RFC 3550 §6.7. */
  APP: 204,
  /** Transport-layer feedback, RFC 4585 §6.2 (NACK, TWCC). */
  RTPFB: 205,
  /** Payload-specific feedback, RFC 4585 §6.3 (PLI, FIR, REMB). */
  PSFB: 206,
  /** Extended report, RFC 3611 §2. */
  XR: 207,
} as const;

/** Feedback message types (the FMT field) this package decodes. */
export const RtcpFeedbackType = {
  /** RTPFB: generic NACK, RFC 4585 §6.2.1. */
  NACK: 1,
  /** RTPFB: transport-wide congestion control, draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1. */
  TWCC: 15,
  /** PSFB: picture loss indication, RFC 4585 §6.3.1. */
  PLI: 1,
  /** PSFB: full intra request, RFC 5104 §4.3.1. */
  FIR: 4,
  /** PSFB: application layer feedback, RFC 4585 §6.4 (REMB is one). */
  AFB: 15,
} as const;

/**
 * Why an RTCP datagram, or one packet of it, was refused. Parsing never throws on network
 * input: it returns one of these codes, which callers count per reason.
 */
export type RtcpParseFailure =
  /** Fewer than the 4 bytes of a header (or an empty datagram). */
  | 'too-short'
  /** A version field that is not 2. */
  | 'bad-version'
  /** A length field that runs past the datagram (or, for one packet, does not fill it). */
  | 'bad-length'
  /** RFC 3550 §6.4.1: only the last packet of a compound may carry padding. */
  | 'padding-not-last'
  /** A padding count larger than the packet's body. */
  | 'padding-overflow'
  /** The P bit set with a padding count of 0. */
  | 'zero-padding'
  /** `requireCompound` was asked and the first packet is neither SR nor RR (RFC 3550 §6.1). */
  | 'not-compound'
  /** A typed parse was given another packet type. */
  | 'wrong-type'
  /** The body is shorter than its count fields say, or an item runs past it. */
  | 'truncated'
  /** A body whose fields contradict each other (a TWCC chunk with a reserved symbol, no statuses). */
  | 'malformed-body';

/** Every {@link RtcpParseFailure}, in a fixed order: one counter per reason. */
export const RTCP_PARSE_FAILURES: readonly RtcpParseFailure[] = [
  'too-short',
  'bad-version',
  'bad-length',
  'padding-not-last',
  'padding-overflow',
  'zero-padding',
  'not-compound',
  'wrong-type',
  'truncated',
  'malformed-body',
];

/** True when `result` is a failure code rather than packets. */
export function isRtcpParseFailure(result: unknown): result is RtcpParseFailure {
  return typeof result === 'string';
}

/** A packet's place in a datagram once its header checked out: `[start, end)` without padding. */
export interface RtcpBounds {
  readonly start: number;
  readonly end: number;
  /** Bytes including the padding: the next packet starts at `start + size`. */
  readonly size: number;
}

/**
 * RFC 3550 §6.4.1 / Appendix A.2: checks the header of the packet at `start` (version,
 * length within `b`, padding). `last` says whether padding is allowed here.
 */
export function checkHeader(
  b: Uint8Array,
  start: number,
  last: boolean,
): RtcpBounds | RtcpParseFailure {
  if (b.length - start < 4) return 'too-short';
  const b0 = b[start]!;
  if (b0 >> 6 !== 2) return 'bad-version';
  const size = (((b[start + 2]! << 8) | b[start + 3]!) + 1) * 4;
  if (start + size > b.length) return 'bad-length';
  let end = start + size;
  if (b0 & 0x20) {
    if (!last && end !== b.length) return 'padding-not-last';
    const pad = b[end - 1]!;
    if (pad === 0) return 'zero-padding';
    if (pad > size - 4) return 'padding-overflow';
    end -= pad;
  }
  return { start, end, size };
}

/**
 * Checks that `b` holds exactly one packet of type `pt` (and feedback type `fmt` when given),
 * then decodes it. The typed `parse…` functions are built on this.
 */
export function parseSingle<T>(
  b: Uint8Array,
  pt: number,
  fmt: number | undefined,
  decode: (b: Uint8Array, start: number, end: number) => T | RtcpParseFailure,
): T | RtcpParseFailure {
  const h = checkHeader(b, 0, true);
  if (typeof h === 'string') return h;
  if (h.size !== b.length) return 'bad-length';
  if (b[1] !== pt || (fmt !== undefined && (b[0]! & 0x1f) !== fmt)) return 'wrong-type';
  return decode(b, 0, h.end);
}

/** The 5-bit count / FMT field of the packet at `start`. */
export function countOf(b: Uint8Array, start: number): number {
  return b[start]! & 0x1f;
}

/** Writes a header (V=2, no padding) for a packet of `size` bytes (a multiple of 4). */
export function writeHeader(
  t: Uint8Array,
  o: number,
  count: number,
  pt: number,
  size: number,
): void {
  const words = size / 4 - 1;
  if (words > 0xffff) {
    throw new RtpConfigurationError(
      `an RTCP packet of ${size} bytes exceeds the 16-bit length field`,
    );
  }
  t[o] = 0x80 | count;
  t[o + 1] = pt;
  t[o + 2] = words >>> 8;
  t[o + 3] = words & 0xff;
}

/** `n` rounded up to a whole number of 32-bit words. */
export function padded(n: number): number {
  return (n + 3) & ~3;
}

/** Reads a big-endian u16. */
export function r16(b: Uint8Array, at: number): number {
  return (b[at]! << 8) | b[at + 1]!;
}

/** Reads a big-endian u32. */
export function r32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

/** Writes a big-endian u16. */
export function w16(t: Uint8Array, at: number, v: number): void {
  t[at] = (v >>> 8) & 0xff;
  t[at + 1] = v & 0xff;
}

/** Writes a big-endian u32. */
export function w32(t: Uint8Array, at: number, v: number): void {
  t[at] = (v >>> 24) & 0xff;
  t[at + 1] = (v >>> 16) & 0xff;
  t[at + 2] = (v >>> 8) & 0xff;
  t[at + 3] = v & 0xff;
}

/** Throws {@link RtpConfigurationError} unless `value` is an integer in [0, max]. */
export function checkField(what: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RtpConfigurationError(
      `RTCP ${what} ${value} is out of range: an integer from 0 to ${max}`,
    );
  }
}

/** Throws unless `n` items fit a 5-bit count field (RFC 3550 §6.4.1: at most 31). */
export function checkCount(what: string, n: number): void {
  if (n > 31) {
    throw new RtpConfigurationError(
      `${n} ${what} do not fit one RTCP packet (at most 31); send several packets`,
    );
  }
}

/**
 * draft-alvestrand-rmcat-remb-03 §2.2: receiver estimated maximum bitrate, an application
 * layer feedback (PSFB, FMT 15) whose FCI starts with the four bytes "REMB", then the number
 * of SSRCs, a 6-bit exponent and an 18-bit mantissa (bitrate = mantissa × 2^exp bps), and the
 * SSRCs the estimate applies to.
 */

import { RtpConfigurationError } from '../errors.js';
import {
  checkField,
  parseSingle,
  r32,
  RtcpFeedbackType,
  RtcpPacketType,
  type RtcpParseFailure,
  w32,
  writeHeader,
} from './header.js';

/** A REMB message. */
export interface RtcpRemb {
  readonly kind: 'remb';
  readonly senderSsrc: number;
  /** Unused by REMB: 0. */
  readonly mediaSsrc: number;
  /** The estimate in bits per second (encoded with an 18-bit mantissa: rounded down). */
  readonly bitrate: number;
  /** The media sources the estimate covers (at most 255). */
  readonly ssrcs: readonly number[];
}

/** True when the PSFB/AFB packet at `b[start, end)` carries the "REMB" identifier. */
export function isRemb(b: Uint8Array, start: number, end: number): boolean {
  return (
    start + 16 <= end &&
    b[start + 12] === 0x52 && // R
    b[start + 13] === 0x45 && // E
    b[start + 14] === 0x4d && // M
    b[start + 15] === 0x42 // B
  );
}

/** Decodes a REMB in `b[start, end)`. */
export function decodeRemb(b: Uint8Array, start: number, end: number): RtcpRemb | RtcpParseFailure {
  if (!isRemb(b, start, end)) return start + 16 > end ? 'truncated' : 'wrong-type';
  if (start + 20 > end) return 'truncated';
  const n = b[start + 16]!;
  if (start + 20 + n * 4 > end) return 'truncated';
  const exp = b[start + 17]! >> 2;
  const mantissa = ((b[start + 17]! & 0x03) << 16) | (b[start + 18]! << 8) | b[start + 19]!;
  const ssrcs: number[] = [];
  for (let i = 0; i < n; i++) ssrcs.push(r32(b, start + 20 + i * 4));
  return {
    kind: 'remb',
    senderSsrc: r32(b, start + 4),
    mediaSsrc: r32(b, start + 8),
    bitrate: mantissa * 2 ** exp, // exact in a double: 18 significant bits
    ssrcs,
  };
}

/** Size in bytes of the encoded REMB. */
export function rembSize(p: RtcpRemb): number {
  return 20 + p.ssrcs.length * 4;
}

/** Writes the REMB at `o`; returns the offset after it. */
export function encodeRemb(p: RtcpRemb, t: Uint8Array, o: number): number {
  checkField('sender SSRC', p.senderSsrc, 0xffffffff);
  checkField('media SSRC', p.mediaSsrc, 0xffffffff);
  if (p.ssrcs.length > 255) {
    throw new RtpConfigurationError(
      `${p.ssrcs.length} REMB SSRCs: the count field holds at most 255`,
    );
  }
  if (!(p.bitrate >= 0) || !Number.isFinite(p.bitrate))
    checkField('REMB bitrate', p.bitrate, Number.MAX_VALUE);
  // As libwebrtc: the smallest exponent whose mantissa fits 18 bits; the rest is rounded down.
  let exp = 0;
  let mantissa = Math.floor(p.bitrate);
  while (mantissa > 0x3ffff && exp < 63) {
    mantissa = Math.floor(mantissa / 2);
    exp++;
  }
  if (mantissa > 0x3ffff) mantissa = 0x3ffff;
  const size = rembSize(p);
  writeHeader(t, o, RtcpFeedbackType.AFB, RtcpPacketType.PSFB, size);
  w32(t, o + 4, p.senderSsrc);
  w32(t, o + 8, p.mediaSsrc);
  t.set([0x52, 0x45, 0x4d, 0x42], o + 12);
  t[o + 16] = p.ssrcs.length;
  t[o + 17] = (exp << 2) | (mantissa >>> 16);
  t[o + 18] = (mantissa >>> 8) & 0xff;
  t[o + 19] = mantissa & 0xff;
  let at = o + 20;
  for (const s of p.ssrcs) {
    checkField('REMB SSRC', s, 0xffffffff);
    w32(t, at, s);
    at += 4;
  }
  return at;
}

/** Parses one REMB (exactly one packet). Never throws. */
export function parseRemb(packet: Uint8Array): RtcpRemb | RtcpParseFailure {
  return parseSingle(packet, RtcpPacketType.PSFB, RtcpFeedbackType.AFB, decodeRemb);
}

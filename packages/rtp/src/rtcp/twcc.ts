/**
 * Transport-wide congestion control feedback, draft-holmer-rmcat-transport-wide-cc-extensions-01
 * §3.1 (RTPFB, FMT 15): a base sequence number and a packet status count, a 24-bit reference
 * time in multiples of 64 ms, a feedback packet count, packet status chunks (run length, or
 * status vectors of 14 one-bit or 7 two-bit symbols) and one receive delta per received packet
 * (one byte for "small", two signed bytes for "large", in 250 µs ticks).
 */

import { RtpConfigurationError } from '../errors.js';
import {
  checkField,
  parseSingle,
  r16,
  r32,
  RtcpFeedbackType,
  RtcpPacketType,
  type RtcpParseFailure,
  w16,
  w32,
  writeHeader,
} from './header.js';

/** The feedback about one transport-wide sequence number. */
export interface TwccPacketStatus {
  readonly sequenceNumber: number;
  readonly received: boolean;
  /**
   * For a received packet: its arrival minus the previous received packet's (the first one's:
   * minus the reference time), in µs, a multiple of 250; may be negative.
   */
  readonly deltaUs?: number;
  /**
   * For a received packet: reference time × 64 ms + the deltas so far, in µs, on the feedback
   * sender's clock (wraps with the reference time every 2²⁴ × 64 ms).
   */
  readonly arrivalTimeUs?: number;
}

/** A transport-wide congestion control feedback packet. */
export interface RtcpTwcc {
  readonly kind: 'twcc';
  readonly senderSsrc: number;
  readonly mediaSsrc: number;
  /** Transport-wide sequence number of the first packet described. */
  readonly baseSequenceNumber: number;
  /** Reference time, 24 bits, in multiples of 64 ms. */
  readonly referenceTime: number;
  /** Feedback packet count (8 bits, wraps): lets the media sender detect lost feedback. */
  readonly feedbackPacketCount: number;
  /** One entry per sequence number from the base, in order (the packet status count). */
  readonly packets: readonly TwccPacketStatus[];
}

/** Symbols of a status chunk (§3.1.1). */
const NOT_RECEIVED = 0;
const SMALL = 1;
const LARGE = 2;

/** Decodes TWCC feedback in `b[start, end)`. */
export function decodeTwcc(b: Uint8Array, start: number, end: number): RtcpTwcc | RtcpParseFailure {
  if (start + 20 > end) return 'truncated';
  const base = r16(b, start + 12);
  const count = r16(b, start + 14);
  const referenceTime = (b[start + 16]! << 16) | (b[start + 17]! << 8) | b[start + 18]!;
  const symbols = new Uint8Array(count);
  let at = start + 20;
  let i = 0;
  while (i < count) {
    if (at + 2 > end) return 'truncated';
    const chunk = r16(b, at);
    at += 2;
    if ((chunk & 0x8000) === 0) {
      // §3.1.3 run length chunk: symbol (2 bits), run length (13 bits).
      const s = (chunk >> 13) & 3;
      if (s === 3) return 'malformed-body';
      const n = Math.min(chunk & 0x1fff, count - i);
      symbols.fill(s, i, i + n);
      i += n;
    } else if ((chunk & 0x4000) === 0) {
      // §3.1.4 status vector, one-bit symbols: 14 of them, 1 = received, small delta.
      for (let k = 0; k < 14 && i < count; k++) symbols[i++] = (chunk >> (13 - k)) & 1;
    } else {
      // §3.1.4 status vector, two-bit symbols: 7 of them.
      for (let k = 0; k < 7 && i < count; k++) {
        const s = (chunk >> (12 - 2 * k)) & 3;
        if (s === 3) return 'malformed-body'; // reserved (libwebrtc refuses it too)
        symbols[i++] = s;
      }
    }
  }
  const packets: TwccPacketStatus[] = [];
  let time = referenceTime * 64_000;
  for (let k = 0; k < count; k++) {
    const s = symbols[k]!;
    const sequenceNumber = (base + k) & 0xffff;
    if (s === NOT_RECEIVED) {
      packets.push({ sequenceNumber, received: false });
      continue;
    }
    let ticks: number;
    if (s === SMALL) {
      if (at + 1 > end) return 'truncated';
      ticks = b[at++]!;
    } else {
      if (at + 2 > end) return 'truncated';
      ticks = (r16(b, at) << 16) >> 16;
      at += 2;
    }
    time += ticks * 250;
    packets.push({ sequenceNumber, received: true, deltaUs: ticks * 250, arrivalTimeUs: time });
  }
  return {
    kind: 'twcc',
    senderSsrc: r32(b, start + 4),
    mediaSsrc: r32(b, start + 8),
    baseSequenceNumber: base,
    referenceTime,
    feedbackPacketCount: b[start + 19]!,
    packets,
  };
}

/** The delta of a received packet in 250 µs ticks; throws when it fits no receive delta. */
function ticksOf(p: TwccPacketStatus): number {
  const ticks = Math.round((p.deltaUs ?? 0) / 250);
  if (ticks < -0x8000 || ticks > 0x7fff || !Number.isFinite(ticks)) {
    throw new RtpConfigurationError(
      `TWCC delta of ${p.deltaUs} µs for packet ${p.sequenceNumber} does not fit 16 signed bits of 250 µs; start a new feedback packet (buildTwccFeedback does)`,
    );
  }
  return ticks;
}

/** The status symbol of each packet: not received, small (0–255 ticks) or large delta. */
function symbolsOf(p: RtcpTwcc): Uint8Array {
  const out = new Uint8Array(p.packets.length);
  p.packets.forEach((s, i) => {
    if (!s.received) return;
    const t = ticksOf(s);
    out[i] = t >= 0 && t <= 0xff ? SMALL : LARGE;
  });
  return out;
}

/**
 * Status chunks for `symbols`, chosen as libwebrtc's `LastChunk` does: symbols accumulate while
 * they fit a two-bit vector (7), a one-bit vector (14, no large delta) or a run (up to 8191 of one
 * symbol); when the next does not fit, the longest of those forms is emitted.
 */
export function statusChunks(symbols: ArrayLike<number>): number[] {
  const chunks: number[] = [];
  const buf = new Uint8Array(14);
  let size = 0;
  let allSame = true;
  let hasLarge = false;
  const vector = (n: number, bits: 1 | 2): number => {
    let c = bits === 1 ? 0x8000 : 0xc000;
    for (let k = 0; k < n; k++) c |= bits === 1 ? buf[k]! << (13 - k) : buf[k]! << (12 - 2 * k);
    return c;
  };
  const canAdd = (s: number): boolean =>
    size < 7 ||
    (size < 14 && !hasLarge && s !== LARGE) ||
    (size < 0x1fff && allSame && buf[0] === s);
  for (let i = 0; i < symbols.length; i++) {
    const s = symbols[i]!;
    if (!canAdd(s)) {
      if (allSame) {
        chunks.push((buf[0]! << 13) | size);
        size = 0;
      } else if (size === 14) {
        chunks.push(vector(14, 1));
        size = 0;
      } else {
        chunks.push(vector(7, 2));
        buf.copyWithin(0, 7, size);
        size -= 7;
      }
      allSame = true;
      hasLarge = false;
      for (let k = 0; k < size; k++) {
        allSame &&= buf[k] === buf[0];
        hasLarge ||= buf[k] === LARGE;
      }
    }
    if (size < 14) buf[size] = s;
    size++;
    allSame &&= s === buf[0];
    hasLarge ||= s === LARGE;
  }
  if (size > 0) {
    if (allSame) chunks.push((buf[0]! << 13) | size);
    else if (size <= 7) chunks.push(vector(size, 2));
    else chunks.push(vector(size, 1));
  }
  return chunks;
}

/** Bytes of chunks and deltas after the 20-byte fixed part, before zero padding. */
function bodySize(symbols: Uint8Array, chunks: number): number {
  let n = chunks * 2;
  for (const s of symbols) n += s; // 1 byte small, 2 bytes large
  return n;
}

/** Size in bytes of the encoded TWCC feedback. */
export function twccSize(p: RtcpTwcc): number {
  const symbols = symbolsOf(p);
  return (20 + bodySize(symbols, statusChunks(symbols).length) + 3) & ~3;
}

/**
 * Writes the feedback at `o`; returns the offset after it. The packet is zero-padded to 32
 * bits inside its body (the draft's "zero padding"), not with the P bit, so it may sit
 * anywhere in a compound.
 */
export function encodeTwcc(p: RtcpTwcc, t: Uint8Array, o: number): number {
  checkField('sender SSRC', p.senderSsrc, 0xffffffff);
  checkField('media SSRC', p.mediaSsrc, 0xffffffff);
  checkField('TWCC base sequence number', p.baseSequenceNumber, 0xffff);
  checkField('TWCC packet status count', p.packets.length, 0xffff);
  checkField('TWCC reference time', p.referenceTime, 0xffffff);
  checkField('TWCC feedback packet count', p.feedbackPacketCount, 255);
  const symbols = symbolsOf(p);
  const chunks = statusChunks(symbols);
  const size = (20 + bodySize(symbols, chunks.length) + 3) & ~3;
  writeHeader(t, o, RtcpFeedbackType.TWCC, RtcpPacketType.RTPFB, size);
  w32(t, o + 4, p.senderSsrc);
  w32(t, o + 8, p.mediaSsrc);
  w16(t, o + 12, p.baseSequenceNumber);
  w16(t, o + 14, p.packets.length);
  t[o + 16] = p.referenceTime >>> 16;
  t[o + 17] = (p.referenceTime >>> 8) & 0xff;
  t[o + 18] = p.referenceTime & 0xff;
  t[o + 19] = p.feedbackPacketCount;
  let at = o + 20;
  for (const c of chunks) {
    w16(t, at, c);
    at += 2;
  }
  p.packets.forEach((s, i) => {
    if (symbols[i] === SMALL) t[at++] = ticksOf(s);
    else if (symbols[i] === LARGE) {
      w16(t, at, ticksOf(s) & 0xffff);
      at += 2;
    }
  });
  t.fill(0, at, o + size);
  return o + size;
}

/** Parses one TWCC feedback (exactly one packet). Never throws. */
export function parseTwcc(packet: Uint8Array): RtcpTwcc | RtcpParseFailure {
  return parseSingle(packet, RtcpPacketType.RTPFB, RtcpFeedbackType.TWCC, decodeTwcc);
}

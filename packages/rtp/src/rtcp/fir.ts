/**
 * RFC 5104 §4.3.1: full intra request (PSFB, FMT 4). The FCI is a list of (SSRC, command
 * sequence number) entries; the media source SSRC of the common header is unused (0).
 */

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

/** One FIR FCI entry (RFC 5104 §4.3.1.1). */
export interface RtcpFirEntry {
  /** The media sender asked for a decoder refresh point. */
  readonly ssrc: number;
  /** Command sequence number (8 bits): incremented per new request, repeated on retransmission. */
  readonly sequenceNumber: number;
}

/** A full intra request (RFC 5104 §4.3.1). */
export interface RtcpFir {
  readonly kind: 'fir';
  readonly senderSsrc: number;
  /** RFC 5104 §4.3.1.2: SHALL be 0; the targets are in {@link RtcpFir.entries}. */
  readonly mediaSsrc: number;
  readonly entries: readonly RtcpFirEntry[];
}

/** Decodes a FIR in `b[start, end)`. */
export function decodeFir(b: Uint8Array, start: number, end: number): RtcpFir | RtcpParseFailure {
  if (start + 12 > end) return 'truncated';
  const entries: RtcpFirEntry[] = [];
  for (let at = start + 12; at + 8 <= end; at += 8)
    entries.push({ ssrc: r32(b, at), sequenceNumber: b[at + 4]! });
  return { kind: 'fir', senderSsrc: r32(b, start + 4), mediaSsrc: r32(b, start + 8), entries };
}

/** Size in bytes of the encoded FIR. */
export function firSize(p: RtcpFir): number {
  return 12 + p.entries.length * 8;
}

/** Writes the FIR at `o`; returns the offset after it. */
export function encodeFir(p: RtcpFir, t: Uint8Array, o: number): number {
  checkField('sender SSRC', p.senderSsrc, 0xffffffff);
  checkField('media SSRC', p.mediaSsrc, 0xffffffff);
  const size = firSize(p);
  writeHeader(t, o, RtcpFeedbackType.FIR, RtcpPacketType.PSFB, size);
  w32(t, o + 4, p.senderSsrc);
  w32(t, o + 8, p.mediaSsrc);
  let at = o + 12;
  for (const e of p.entries) {
    checkField('FIR SSRC', e.ssrc, 0xffffffff);
    checkField('FIR sequence number', e.sequenceNumber, 255);
    w32(t, at, e.ssrc);
    t[at + 4] = e.sequenceNumber;
    t[at + 5] = 0; // reserved
    t[at + 6] = 0;
    t[at + 7] = 0;
    at += 8;
  }
  return at;
}

/** Parses one FIR (exactly one packet). Never throws. */
export function parseFir(packet: Uint8Array): RtcpFir | RtcpParseFailure {
  return parseSingle(packet, RtcpPacketType.PSFB, RtcpFeedbackType.FIR, decodeFir);
}

/** RFC 4585 §6.3.1: picture loss indication (PSFB, FMT 1): no FCI. */

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

/** A picture loss indication (RFC 4585 §6.3.1): asks the media sender for a keyframe. */
export interface RtcpPli {
  readonly kind: 'pli';
  readonly senderSsrc: number;
  /** The media source that should send a keyframe. */
  readonly mediaSsrc: number;
}

/** Decodes a PLI in `b[start, end)` (extra FCI bytes are ignored). */
export function decodePli(b: Uint8Array, start: number, end: number): RtcpPli | RtcpParseFailure {
  if (start + 12 > end) return 'truncated';
  return { kind: 'pli', senderSsrc: r32(b, start + 4), mediaSsrc: r32(b, start + 8) };
}

/** Writes the PLI at `o`; returns the offset after it. */
export function encodePli(p: RtcpPli, t: Uint8Array, o: number): number {
  checkField('sender SSRC', p.senderSsrc, 0xffffffff);
  checkField('media SSRC', p.mediaSsrc, 0xffffffff);
  writeHeader(t, o, RtcpFeedbackType.PLI, RtcpPacketType.PSFB, 12);
  w32(t, o + 4, p.senderSsrc);
  w32(t, o + 8, p.mediaSsrc);
  return o + 12;
}

/** Parses one PLI (exactly one packet). Never throws. */
export function parsePli(packet: Uint8Array): RtcpPli | RtcpParseFailure {
  return parseSingle(packet, RtcpPacketType.PSFB, RtcpFeedbackType.PLI, decodePli);
}

/** RFC 3550 §6.4.2: the receiver report (RR, packet type 201). */

import {
  checkCount,
  checkField,
  padded,
  parseSingle,
  r32,
  RtcpPacketType,
  type RtcpParseFailure,
  w32,
  writeHeader,
} from './header.js';
import {
  decodeReportList,
  encodeReportList,
  REPORT_BLOCK_SIZE,
  type RtcpReportBlock,
} from './report-block.js';

/** A receiver report (RFC 3550 §6.4.2); with no blocks it is the "empty RR" of §6.1. */
export interface RtcpReceiverReport {
  readonly kind: 'rr';
  /** SSRC of the packet's sender. */
  readonly ssrc: number;
  /** Up to 31 reception report blocks. */
  readonly reports: readonly RtcpReportBlock[];
  /** Profile-specific extension after the blocks (written zero-padded to 32 bits); absent when empty. */
  readonly profileExtension?: Uint8Array;
}

/** Decodes an RR in `b[start, end)`. */
export function decodeReceiverReport(
  b: Uint8Array,
  start: number,
  end: number,
): RtcpReceiverReport | RtcpParseFailure {
  const list = decodeReportList(b, start + 8, b[start]! & 0x1f, end);
  if (list === 'truncated') return list;
  return {
    kind: 'rr',
    ssrc: r32(b, start + 4),
    ...list,
  };
}

/** Size in bytes of the encoded RR. */
export function receiverReportSize(p: RtcpReceiverReport): number {
  return 8 + p.reports.length * REPORT_BLOCK_SIZE + padded(p.profileExtension?.length ?? 0);
}

/** Writes the RR at `o`; returns the offset after it. */
export function encodeReceiverReport(p: RtcpReceiverReport, t: Uint8Array, o: number): number {
  checkCount('report blocks', p.reports.length);
  checkField('SSRC', p.ssrc, 0xffffffff);
  const size = receiverReportSize(p);
  writeHeader(t, o, p.reports.length, RtcpPacketType.RR, size);
  w32(t, o + 4, p.ssrc);
  encodeReportList(p, t, o + 8, o + size);
  return o + size;
}

/** Parses one RR (exactly one packet). Never throws. */
export function parseReceiverReport(packet: Uint8Array): RtcpReceiverReport | RtcpParseFailure {
  return parseSingle(packet, RtcpPacketType.RR, undefined, decodeReceiverReport);
}

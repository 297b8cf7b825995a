/** RFC 3550 §6.4.1: the sender report (SR, packet type 200). */

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

/** A sender report (RFC 3550 §6.4.1). */
export interface RtcpSenderReport {
  readonly kind: 'sr';
  /** SSRC of the sender. */
  readonly ssrc: number;
  /** NTP timestamp, seconds half (see {@link ntpTimeFromUnixMs}). */
  readonly ntpSeconds: number;
  /** NTP timestamp, fraction half. */
  readonly ntpFraction: number;
  /** The RTP timestamp of the same instant as the NTP timestamp. */
  readonly rtpTimestamp: number;
  /** Packets sent since the start of transmission (wraps at 2³²). */
  readonly packetCount: number;
  /** Payload octets sent since the start of transmission (wraps at 2³²). */
  readonly octetCount: number;
  /** Up to 31 reception report blocks. */
  readonly reports: readonly RtcpReportBlock[];
  /** Profile-specific extension after the blocks (written zero-padded to 32 bits); absent when empty. */
  readonly profileExtension?: Uint8Array;
}

/** Decodes an SR in `b[start, end)`. */
export function decodeSenderReport(
  b: Uint8Array,
  start: number,
  end: number,
): RtcpSenderReport | RtcpParseFailure {
  const list = decodeReportList(b, start + 28, b[start]! & 0x1f, end);
  if (list === 'truncated') return list;
  return {
    kind: 'sr',
    ssrc: r32(b, start + 4),
    ntpSeconds: r32(b, start + 8),
    ntpFraction: r32(b, start + 12),
    rtpTimestamp: r32(b, start + 16),
    packetCount: r32(b, start + 20),
    octetCount: r32(b, start + 24),
    ...list,
  };
}

/** Size in bytes of the encoded SR. */
export function senderReportSize(p: RtcpSenderReport): number {
  return 28 + p.reports.length * REPORT_BLOCK_SIZE + padded(p.profileExtension?.length ?? 0);
}

/** Writes the SR at `o`; returns the offset after it. */
export function encodeSenderReport(p: RtcpSenderReport, t: Uint8Array, o: number): number {
  checkCount('report blocks', p.reports.length);
  for (const [what, v] of [
    ['SSRC', p.ssrc],
    ['NTP seconds', p.ntpSeconds],
    ['NTP fraction', p.ntpFraction],
    ['RTP timestamp', p.rtpTimestamp],
    ['packet count', p.packetCount],
    ['octet count', p.octetCount],
  ] as const) {
    checkField(what, v, 0xffffffff);
  }
  const size = senderReportSize(p);
  writeHeader(t, o, p.reports.length, RtcpPacketType.SR, size);
  w32(t, o + 4, p.ssrc);
  w32(t, o + 8, p.ntpSeconds);
  w32(t, o + 12, p.ntpFraction);
  w32(t, o + 16, p.rtpTimestamp);
  w32(t, o + 20, p.packetCount);
  w32(t, o + 24, p.octetCount);
  encodeReportList(p, t, o + 28, o + size);
  return o + size;
}

/** Parses one SR (exactly one packet, e.g. the `bytes` of a compound's item). Never throws. */
export function parseSenderReport(packet: Uint8Array): RtcpSenderReport | RtcpParseFailure {
  return parseSingle(packet, RtcpPacketType.SR, undefined, decodeSenderReport);
}

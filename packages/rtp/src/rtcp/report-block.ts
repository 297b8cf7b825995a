/** RFC 3550 §6.4.1: the 24-byte reception report block shared by SR and RR. */

import { checkField, r32, w32 } from './header.js';

/** One reception report block (RFC 3550 §6.4.1). */
export interface RtcpReportBlock {
  /** SSRC of the source this block reports on. */
  readonly ssrc: number;
  /** Fraction lost since the previous report, in 1/256 (0–255). */
  readonly fractionLost: number;
  /**
   * Cumulative packets lost, a signed 24-bit value (negative with duplicates). The encoder
   * clamps to −8388608…8388607 as RFC 3550 Appendix A.3 does.
   */
  readonly cumulativeLost: number;
  /** Extended highest sequence number received: cycles × 65536 + highest sequence number. */
  readonly highestSequenceNumber: number;
  /** Interarrival jitter, in timestamp units (RFC 3550 §6.4.1, A.8). */
  readonly jitter: number;
  /** LSR: the middle 32 bits of the NTP time of the last SR received from the source, or 0. */
  readonly lastSenderReport: number;
  /** DLSR: delay since that SR was received, in units of 1/65536 s. */
  readonly delaySinceLastSenderReport: number;
}

/** Size of a report block. */
export const REPORT_BLOCK_SIZE = 24;

/** Reads the report block at `at` (the caller checked that 24 bytes are there). */
export function decodeReportBlock(b: Uint8Array, at: number): RtcpReportBlock {
  return {
    ssrc: r32(b, at),
    fractionLost: b[at + 4]!,
    cumulativeLost: ((b[at + 5]! << 24) | (b[at + 6]! << 16) | (b[at + 7]! << 8)) >> 8,
    highestSequenceNumber: r32(b, at + 8),
    jitter: r32(b, at + 12),
    lastSenderReport: r32(b, at + 16),
    delaySinceLastSenderReport: r32(b, at + 20),
  };
}

/** Writes a report block at `at`; throws for fields out of range. */
export function encodeReportBlock(r: RtcpReportBlock, t: Uint8Array, at: number): void {
  checkField('report block SSRC', r.ssrc, 0xffffffff);
  checkField('fraction lost', r.fractionLost, 255);
  checkField('extended highest sequence number', r.highestSequenceNumber, 0xffffffff);
  checkField('jitter', r.jitter, 0xffffffff);
  checkField('LSR', r.lastSenderReport, 0xffffffff);
  checkField('DLSR', r.delaySinceLastSenderReport, 0xffffffff);
  const lost = Math.max(-0x800000, Math.min(0x7fffff, Math.trunc(r.cumulativeLost)));
  w32(t, at, r.ssrc);
  t[at + 4] = r.fractionLost;
  t[at + 5] = (lost >> 16) & 0xff;
  t[at + 6] = (lost >> 8) & 0xff;
  t[at + 7] = lost & 0xff;
  w32(t, at + 8, r.highestSequenceNumber);
  w32(t, at + 12, r.jitter);
  w32(t, at + 16, r.lastSenderReport);
  w32(t, at + 20, r.delaySinceLastSenderReport);
}

/** What follows the sender part of an SR or RR (RFC 3550 §6.4.1): its blocks, then any extension. */
export interface ReportList {
  readonly reports: RtcpReportBlock[];
  readonly profileExtension?: Uint8Array;
}

/**
 * Reads `count` report blocks from `at` and the profile-specific extension after them, up to
 * `end`; `'truncated'` when the blocks do not fit.
 */
export function decodeReportList(
  b: Uint8Array,
  at: number,
  count: number,
  end: number,
): ReportList | 'truncated' {
  if (at + count * REPORT_BLOCK_SIZE > end) return 'truncated';
  const reports: RtcpReportBlock[] = [];
  for (let i = 0; i < count; i++) reports.push(decodeReportBlock(b, at + i * REPORT_BLOCK_SIZE));
  const ext = at + count * REPORT_BLOCK_SIZE;
  return ext < end ? { reports, profileExtension: b.subarray(ext, end) } : { reports };
}

/** Writes the blocks and the extension of `p` from `at`, zero-padding up to `end`. */
export function encodeReportList(
  p: { readonly reports: readonly RtcpReportBlock[]; readonly profileExtension?: Uint8Array },
  t: Uint8Array,
  at: number,
  end: number,
): void {
  for (const r of p.reports) {
    encodeReportBlock(r, t, at);
    at += REPORT_BLOCK_SIZE;
  }
  if (p.profileExtension) t.set(p.profileExtension, at);
  t.fill(0, at + (p.profileExtension?.length ?? 0), end);
}

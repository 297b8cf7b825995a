/**
 * RFC 3550 §6.4.1: the round-trip time from a reception report block that echoes one of our
 * sender reports.
 */

import { roundTripTimeMs } from '../rtcp/ntp.js';
import type { RtcpReportBlock } from '../rtcp/report-block.js';

/**
 * The round-trip time in ms (RFC 3550 §6.4.1, figure 2: A − LSR − DLSR), from a report block
 * about one of our streams and `arrivalCompactNtp`, the middle 32 bits of the NTP time at
 * which the report arrived (`compactNtp(ntpTimeFromUnixMs(now))`, on the clock that stamped
 * our sender reports). `undefined` when the block echoes no sender report (LSR 0) or the
 * result is negative (the values do not belong together); the arithmetic is modulo 2^32, so
 * the NTP wrap is handled. The block form of `roundTripTimeMs`.
 */
export function reportBlockRoundTripMs(
  block: Pick<RtcpReportBlock, 'lastSenderReport' | 'delaySinceLastSenderReport'>,
  arrivalCompactNtp: number,
): number | undefined {
  return roundTripTimeMs(
    arrivalCompactNtp,
    block.lastSenderReport,
    block.delaySinceLastSenderReport,
  );
}

/**
 * RFC 3550 §6.4.1: the round-trip time from a reception report block that echoes one of our
 * sender reports.
 */

/**
 * The round-trip time in ms (RFC 3550 §6.4.1, figure 2: A − LSR − DLSR), from a report block
 * about one of our streams and `arrivalCompactNtp`, the middle 32 bits of the NTP time at
 * which the report arrived (16.16 seconds, on the clock that stamped our sender reports).
 * `undefined` when the block echoes no sender report (LSR 0) or the result is negative (the
 * values do not belong together); the arithmetic is modulo 2^32, so the NTP wrap is handled.
 */
export function reportBlockRoundTripMs(
  block: { readonly lastSenderReport: number; readonly delaySinceLastSenderReport: number },
  arrivalCompactNtp: number,
): number | undefined {
  if (block.lastSenderReport === 0) return undefined;
  const rtt = (arrivalCompactNtp - block.lastSenderReport - block.delaySinceLastSenderReport) | 0;
  return rtt < 0 ? undefined : (rtt * 1000) / 65536;
}

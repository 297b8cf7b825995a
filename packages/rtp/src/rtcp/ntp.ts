/**
 * NTP timestamps as RTCP carries them (RFC 3550 §4): 32-bit seconds since 1900 and a 32-bit
 * fraction, and the "compact" middle 32 bits used by LSR/DLSR (§6.4.1) and XR's LRR/DLRR
 * (RFC 3611 §4.5) to compute the round-trip time.
 */

/** A 64-bit NTP timestamp as two unsigned 32-bit halves. */
export interface NtpTime {
  /** Seconds since 1 January 1900 (wraps in 2036). */
  readonly seconds: number;
  /** Fraction of a second in units of 2⁻³². */
  readonly fraction: number;
}

/** Seconds between the NTP epoch (1900) and the Unix epoch (1970). */
const NTP_UNIX_OFFSET = 2_208_988_800;

/** The NTP time of a Unix time in milliseconds (e.g. `Date.now()`, or a clock's wall time). */
export function ntpTimeFromUnixMs(ms: number): NtpTime {
  const whole = Math.floor(ms / 1000);
  const fraction = Math.round(((ms - whole * 1000) / 1000) * 0x100000000);
  // A fraction rounded up to a whole second carries into the seconds.
  const carry = fraction >= 0x100000000 ? 1 : 0;
  return { seconds: (whole + NTP_UNIX_OFFSET + carry) >>> 0, fraction: carry ? 0 : fraction };
}

/** The Unix time in milliseconds of an NTP time (era 0: 1900–2036, as RTCP senders use). */
export function ntpTimeToUnixMs(time: NtpTime): number {
  return (time.seconds - NTP_UNIX_OFFSET) * 1000 + (time.fraction / 0x100000000) * 1000;
}

/** RFC 3550 §6.4.1: the middle 32 bits of an NTP time (16.16 seconds), as LSR carries it. */
export function compactNtp(time: NtpTime): number {
  return (((time.seconds & 0xffff) << 16) | (time.fraction >>> 16)) >>> 0;
}

/**
 * RFC 3550 §6.4.1 (figure 2) and RFC 3611 §4.5: the round-trip time in milliseconds, from the
 * compact NTP time `arrival` at which a report came back, the LSR (or LRR) it echoes and the
 * DLSR (or DLRR) the peer waited. `undefined` when LSR is 0 (no report received yet) or the
 * result is negative (clocks or values inconsistent).
 */
export function roundTripTimeMs(
  arrival: number,
  lastReport: number,
  delaySinceLast: number,
): number | undefined {
  if (lastReport === 0) return undefined;
  const rtt = (arrival - lastReport - delaySinceLast) | 0; // 16.16 seconds, modulo 2^32
  return rtt < 0 ? undefined : (rtt * 1000) / 65536;
}

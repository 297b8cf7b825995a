import { describe, expect, it } from 'vitest';
import { compactNtp, ntpTimeFromUnixMs, ntpTimeToUnixMs, roundTripTimeMs } from './ntp.js';

describe('NTP time (RFC 3550 §4)', () => {
  it('converts the Unix epoch and back', () => {
    expect(ntpTimeFromUnixMs(0)).toEqual({ seconds: 2_208_988_800, fraction: 0 });
    expect(ntpTimeFromUnixMs(1500)).toEqual({ seconds: 2_208_988_801, fraction: 0x80000000 });
    const t = 1_700_000_000_123.25;
    expect(ntpTimeToUnixMs(ntpTimeFromUnixMs(t))).toBeCloseTo(t, 3);
  });

  it('carries a fraction rounded up to a whole second', () => {
    expect(ntpTimeFromUnixMs(999.9999999999)).toEqual({ seconds: 2_208_988_801, fraction: 0 });
  });

  it('takes the middle 32 bits for LSR', () => {
    expect(compactNtp({ seconds: 0x12345678, fraction: 0x9abcdef0 })).toBe(0x56789abc);
    expect(compactNtp({ seconds: 0xffffffff, fraction: 0xffffffff })).toBe(0xffffffff);
  });

  it('computes the RTT of RFC 3550 figure 2', () => {
    // Figure 2: A = 0xb710:8000 (46864.5 s), LSR = 0xb705:2000, DLSR = 0x0005:4000 (5.25 s):
    // RTT = 0x0006:2000 = 6.125 s.
    expect(roundTripTimeMs(0xb7108000, 0xb7052000, 0x00054000)).toBe(6125);
    expect(roundTripTimeMs(0x00010000, 0xffff0000, 0)).toBe(2000); // across the 2^32 wrap
    expect(roundTripTimeMs(0xb7108000, 0, 0)).toBeUndefined();
    expect(roundTripTimeMs(0x10000, 0x20000, 0)).toBeUndefined();
  });
});

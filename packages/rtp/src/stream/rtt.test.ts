import { describe, expect, it } from 'vitest';
import { reportBlockRoundTripMs } from './rtt.js';

describe('reportBlockRoundTripMs (RFC 3550 §6.4.1)', () => {
  it('computes the example of figure 2: A − LSR − DLSR', () => {
    // LSR 0xb705:2000 (46853.125 s), DLSR 0x0005:4000 (5.25 s), A 0xb710:8000 (46864.5 s).
    const rtt = reportBlockRoundTripMs(
      { lastSenderReport: 0xb705_2000, delaySinceLastSenderReport: 0x0005_4000 },
      0xb710_8000,
    );
    expect(rtt).toBe(6125);
  });

  it('is undefined without an SR to echo, or when negative', () => {
    expect(
      reportBlockRoundTripMs({ lastSenderReport: 0, delaySinceLastSenderReport: 0 }, 5),
    ).toBeUndefined();
    expect(
      reportBlockRoundTripMs({ lastSenderReport: 1000, delaySinceLastSenderReport: 500 }, 1200),
    ).toBeUndefined();
  });

  it('works across the wrap of the compact NTP time', () => {
    const rtt = reportBlockRoundTripMs(
      { lastSenderReport: 0xffff_8000, delaySinceLastSenderReport: 0x0000_4000 },
      0x0000_4000,
    );
    expect(rtt).toBe(500);
  });
});

import { describe, expect, it } from 'vitest';
import { prng } from '../codecs/testing-frames.js';
import {
  RTCP_AUDIO_INTERVAL_MS,
  RTCP_VIDEO_INTERVAL_MS,
  rtcpIntervalFor,
  rtcpReportDelay,
} from './rtcp-interval.js';

describe('RTCP report intervals', () => {
  it('is 1 s with any video, 5 s for audio only (libwebrtc)', () => {
    expect(rtcpIntervalFor(['audio', 'video'])).toBe(RTCP_VIDEO_INTERVAL_MS);
    expect(rtcpIntervalFor(['audio'])).toBe(RTCP_AUDIO_INTERVAL_MS);
    expect(rtcpIntervalFor([])).toBe(5000);
  });

  it('randomizes in [0.5, 1.5) of the mean (RFC 3550 §6.3.1), the first halved (§6.2)', () => {
    const random = prng(42).next;
    const regular = Array.from({ length: 10_000 }, () => rtcpReportDelay(1000, random));
    const first = Array.from({ length: 10_000 }, () => rtcpReportDelay(1000, random, true));
    expect(Math.min(...regular)).toBeGreaterThanOrEqual(500);
    expect(Math.max(...regular)).toBeLessThan(1500);
    expect(Math.min(...first)).toBeGreaterThanOrEqual(250);
    expect(Math.max(...first)).toBeLessThan(750);
    const mean = regular.reduce((a, b) => a + b, 0) / regular.length;
    expect(mean).toBeGreaterThan(990);
    expect(mean).toBeLessThan(1010);
    // Spread over the whole range, not bunched.
    expect(regular.filter((d) => d < 600).length).toBeGreaterThan(800);
    expect(regular.filter((d) => d > 1400).length).toBeGreaterThan(800);
    expect(rtcpReportDelay(5000, () => 0)).toBe(2500);
    expect(rtcpReportDelay(5000, () => 0.999_999)).toBeCloseTo(7500, 1);
  });
});

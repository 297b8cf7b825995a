import { describe, expect, it } from 'vitest';
import { PlayoutClock } from './playout-clock.js';

describe('PlayoutClock', () => {
  it('plays a frame at its timestamp plus the smallest transit plus the target latency', () => {
    const c = new PlayoutClock(90_000, 100);
    c.observe(1_000_000, 5000);
    c.observe(1_000_000 + 9000, 5130); // 100 ms of media, 30 ms of queueing
    expect(c.playoutMs(1_000_000)).toBe(5100);
    expect(c.playoutMs(1_000_000 + 9000)).toBe(5200);
    c.observe(1_000_000 + 18_000, 5190); // 10 ms faster than the first: a new minimum
    expect(c.playoutMs(1_000_000 + 18_000)).toBe(5290);
  });

  it('follows a path that became slower within two windows', () => {
    const c = new PlayoutClock(1000, 50);
    let t = 0;
    for (; t < 5000; t += 20) c.observe(t, t + 10);
    expect(c.playoutMs(t)).toBe(t + 60);
    // 80 ms more delay from now on: for a while the old minimum holds...
    for (; t < 12_000; t += 20) c.observe(t, t + 90);
    expect(c.playoutMs(t)).toBe(t + 60);
    // ...then only the new delay is left in the windows.
    for (; t < 30_000; t += 20) c.observe(t, t + 90);
    expect(c.playoutMs(t)).toBe(t + 140);
  });

  it('takes a new reference when the timestamps step back by more than 10 s', () => {
    const c = new PlayoutClock(1000, 0);
    c.observe(100_000, 0);
    c.observe(80_000, 20); // 20 s back in media time, 20 ms later in ours
    expect(c.playoutMs(80_000)).toBe(20);
    expect(c.playoutMs(80_040)).toBe(60);
  });
});

/**
 * A million mutated SRTP and SRTCP packets through `unprotectRtp` and `unprotectRtcp`, for
 * every profile: bit flips, overwritten octets, truncation and extension of valid protected
 * packets, from a seeded PRNG so a failure replays. Nothing may throw, every input is either
 * returned or counted once, and the sessions still work afterwards.
 */
import { expect, it } from 'vitest';
import type { SrtpSession } from './session.js';
import { PROFILES, pair, rtcp, rtp } from './testing-packets.js';

/** xorshift32: cheap and seeded. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

const dropped = (s: SrtpSession): number => {
  const { rtpDropped, rtcpDropped } = s.stats;
  return [...Object.values(rtpDropped), ...Object.values(rtcpDropped)].reduce((a, b) => a + b, 0);
};

it('a million mutated packets never throw and are each returned or counted', () => {
  const next = rng(0x5eed_5a1d);
  const mutate = (src: Buffer): Buffer => {
    const r = next();
    let d = Buffer.from(src);
    const flips = 1 + (r & 3);
    for (let i = 0; i < flips; i++) {
      const v = next();
      // Half the time in the first 24 octets, where the header parsing branches.
      const at = v & 1 ? (v >>> 1) % Math.min(d.length, 24) : (v >>> 1) % d.length;
      d[at] = v & 2 ? d[at]! ^ (1 << ((v >>> 8) & 7)) : (v >>> 16) & 0xff;
    }
    const shape = (r >>> 4) % 8;
    if (shape === 0) d = d.subarray(0, (r >>> 8) % (d.length + 1));
    else if (shape === 1) d = Buffer.concat([d, Buffer.alloc((r >>> 8) % 40, r & 0xff)]);
    return d;
  };

  const total = 1_000_000;
  const perProfile = total / PROFILES.length;
  let inputs = 0;
  for (const profile of PROFILES) {
    const { a, b } = pair(profile, { maxStreams: 16 });
    const seeds: Array<[Buffer, boolean]> = [];
    // Many seeds, so that most mutated packets reach authentication rather than stopping at
    // the replay window of a seed already accepted.
    for (let i = 0; i < 512; i++) {
      const extension = i % 3 === 0;
      const p = rtp((65_300 + i) & 0xffff, 100 + (i % 4), (i * 53) % 300, {
        extension,
        csrcs: i % 5,
      });
      seeds.push([a.protectRtp(p), true]);
      seeds.push([a.protectRtcp(rtcp(100 + (i % 4), i)), false]);
    }
    let returned = 0;
    for (let i = 0; i < perProfile; i++) {
      const [seed, isRtp] = seeds[next() % seeds.length]!;
      // One in 64 unmutated: replays and genuine packets mixed into the noise.
      const input = (next() & 63) === 0 ? seed : mutate(seed);
      // One in eight goes to the other unprotect, as a misrouted packet would.
      const asRtp = (next() & 7) === 0 ? !isRtp : isRtp;
      const out = asRtp ? b.unprotectRtp(input) : b.unprotectRtcp(input);
      if (out) returned++;
      inputs++;
    }
    const s = b.stats;
    expect(s.rtpUnprotected + s.rtcpUnprotected).toBe(returned);
    expect(returned + dropped(b)).toBe(perProfile);
    expect(s.remoteStreams).toBeLessThanOrEqual(16);
    // Every genuine packet passes once; afterwards the session still works.
    expect(returned).toBeLessThanOrEqual(seeds.length);
    const after = rtp(20, 999, 50);
    expect(b.unprotectRtp(a.protectRtp(after))).toEqual(after);
  }
  expect(inputs).toBe(total);
}, 60_000);

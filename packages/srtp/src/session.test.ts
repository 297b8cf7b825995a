import { describe, expect, it } from 'vitest';
import { SrtpConfigurationError, SrtpError, SrtpPacketError } from './errors.js';
import { SrtpProfile, srtpProfileParameters } from './profile.js';
import { SrtpSession } from './session.js';
import { masterKey, PROFILES, pair, rtcp, rtp } from './testing-packets.js';

describe.each(PROFILES.map((p) => [srtpProfileParameters(p).name, p] as const))(
  '%s',
  (_, profile) => {
    const params = srtpProfileParameters(profile);

    it('round-trips RTP with CSRCs, header extensions and empty payloads', () => {
      const { a, b } = pair(profile);
      for (const [i, p] of [
        rtp(1),
        rtp(2, undefined, 0),
        rtp(3, undefined, 1200, { extension: true }),
        rtp(4, undefined, 33, { csrcs: 3, extension: true }),
      ].entries()) {
        const s = a.protectRtp(p);
        expect(s.length).toBe(p.length + params.rtpTagLength);
        // The header stays in the clear; the payload does not (when there is one).
        const hs = 12 + (i === 3 ? 12 : 0) + (i >= 2 ? 8 : 0);
        expect(s.subarray(0, hs)).toEqual(p.subarray(0, hs));
        if (p.length > hs + 8) expect(s.subarray(hs, p.length)).not.toEqual(p.subarray(hs));
        expect(b.unprotectRtp(s)).toEqual(p);
      }
      expect(b.stats.rtpUnprotected).toBe(4);
      expect(a.stats.rtpProtected).toBe(4);
      expect(b.lastDropReason).toBeUndefined();
    });

    it('round-trips SRTCP with E set and the index counted from 0 per SSRC', () => {
      const { a, b } = pair(profile);
      for (let n = 0; n < 5; n++) {
        for (const ssrc of [7, 8]) {
          const p = rtcp(ssrc, n);
          const s = a.protectRtcp(p);
          expect(s.length).toBe(p.length + 4 + params.rtcpTagLength);
          const at = params.aead ? s.length - 4 : s.length - params.rtcpTagLength - 4;
          // RFC 3711 §3.4: E = 1, then the 31-bit index, 0 for the first packet of the SSRC.
          expect(s.readUInt32BE(at)).toBe((0x8000_0000 + n) >>> 0);
          expect(s.subarray(0, 8)).toEqual(p.subarray(0, 8));
          expect(b.unprotectRtcp(s)).toEqual(p);
        }
      }
      expect(b.stats.rtcpUnprotected).toBe(10);
      expect(b.stats.remoteStreams).toBe(2);
    });

    it('follows the rollover counter across two wraps (65535 -> 0) and back for retransmissions', () => {
      const { a, b } = pair(profile);
      const seqs = Array.from({ length: 65_536 * 2 + 200 }, (_, i) => (65_400 + i) % 65_536);
      const sent = [];
      for (const seq of seqs.filter((_, i) => i % 97 === 0 || (i > 120 && i < 160))) {
        const p = rtp(seq, 99, 20);
        sent.push(p);
        expect(b.unprotectRtp(a.protectRtp(p))).toEqual(p);
      }
      expect(b.stats.rtpUnprotected).toBe(sent.length);
      // A retransmission of a packet from before the last wrap is protected under that ROC,
      // which the receiver estimates the same way (RFC 3711 Appendix A).
      const { a: c, b: d } = pair(profile);
      const order = [65_534, 65_535, 0, 1, 65_535, 2];
      const out = order.map((seq) => d.unprotectRtp(c.protectRtp(rtp(seq, 5))));
      expect(out.map((p) => p?.readUInt16BE(2))).toEqual([65_534, 65_535, 0, 1, undefined, 2]);
      expect(d.lastDropReason).toBeUndefined();
      expect(d.stats.rtpDropped.replayed).toBe(1);
    });

    it('accepts packets reordered around the wrap, each once', () => {
      const { a, b } = pair(profile);
      const seqs = [65_530, 65_531, 65_532, 65_533, 65_534, 65_535, 0, 1, 2, 3, 4];
      const sealed = new Map(seqs.map((s) => [s, a.protectRtp(rtp(s, 42))]));
      const order = [65_530, 65_532, 0, 65_531, 2, 65_535, 65_534, 1, 4, 65_533, 3];
      for (const s of order) expect(b.unprotectRtp(sealed.get(s)!)?.readUInt16BE(2)).toBe(s);
      for (const s of order) expect(b.unprotectRtp(sealed.get(s)!)).toBeUndefined();
      expect(b.stats.rtpDropped.replayed).toBe(order.length);
      expect(b.stats.rtpUnprotected).toBe(order.length);
    });

    it('keeps streams of different SSRCs apart', () => {
      const { a, b } = pair(profile);
      const x = a.protectRtp(rtp(10, 1));
      const y = a.protectRtp(rtp(10, 2));
      expect(b.unprotectRtp(x)?.readUInt32BE(8)).toBe(1);
      expect(b.unprotectRtp(y)?.readUInt32BE(8)).toBe(2);
      expect(b.unprotectRtp(x)).toBeUndefined();
      expect(a.stats.localStreams).toBe(2);
    });
  },
);

describe('replay protection', () => {
  it('drops replays and packets older than the window; a larger window accepts them', () => {
    for (const window of [64, 1024]) {
      const { a, b } = pair(SrtpProfile.AeadAes128Gcm, { replayWindow: window });
      const sealed = Array.from({ length: 2000 }, (_, seq) => a.protectRtp(rtp(seq)));
      expect(b.unprotectRtp(sealed[1999]!)).toBeDefined();
      // Inside the window (the highest is 1999): accepted once.
      expect(b.unprotectRtp(sealed[1999 - (window - 1)]!)).toBeDefined();
      expect(b.unprotectRtp(sealed[1999 - (window - 1)]!)).toBeUndefined();
      // Just outside: dropped as a replay without authenticating.
      expect(b.unprotectRtp(sealed[1999 - window]!)).toBeUndefined();
      expect(b.lastDropReason).toBe('replayed');
      expect(b.stats.rtpDropped.replayed).toBe(2);
      expect(b.unprotectRtp(sealed[1999]!)).toBeUndefined();
    }
  });

  it('keeps an SRTCP window per SSRC over the index in the packet', () => {
    const { a, b } = pair(SrtpProfile.Aes128CmHmacSha1_80, { replayWindow: 128 });
    const sealed = Array.from({ length: 300 }, (_, n) => a.protectRtcp(rtcp(3, n)));
    const other = a.protectRtcp(rtcp(4));
    expect(b.unprotectRtcp(sealed[299]!)).toBeDefined();
    expect(b.unprotectRtcp(sealed[299 - 127]!)).toBeDefined();
    expect(b.unprotectRtcp(sealed[299 - 128]!)).toBeUndefined();
    expect(b.unprotectRtcp(sealed[299]!)).toBeUndefined();
    expect(b.stats.rtcpDropped.replayed).toBe(2);
    // Index 0 of another SSRC is new.
    expect(b.unprotectRtcp(other)).toEqual(rtcp(4));
  });
});

describe('unencrypted SRTCP (E = 0)', () => {
  it.each([SrtpProfile.Aes128CmHmacSha1_32, SrtpProfile.AeadAes256Gcm])(
    'is accepted when it authenticates (profile %i)',
    async (profile) => {
      // Built through the transform, as a peer that does not encrypt SRTCP would send it.
      const { createTransform } = await import('./transform.js');
      const params = srtpProfileParameters(profile);
      const key = masterKey(profile);
      const peer = createTransform(params, key);
      const session = new SrtpSession({ profile, local: masterKey(profile), remote: key });
      const p = rtcp(77, 1);
      const s = peer.protectRtcp(p, 77, 9, false);
      expect(s.subarray(0, p.length)).toEqual(p);
      expect(s.readUInt32BE(peer.rtcpTrailerOffset(s.length))).toBe(9);
      expect(session.unprotectRtcp(s)).toEqual(p);
      expect(session.unprotectRtcp(s)).toBeUndefined();
      expect(session.lastDropReason).toBe('replayed');
      // The E flag is authenticated: setting it on an unencrypted packet fails.
      const flipped = peer.protectRtcp(p, 77, 10, false);
      flipped[peer.rtcpTrailerOffset(flipped.length)]! |= 0x80;
      expect(session.unprotectRtcp(flipped)).toBeUndefined();
      expect(session.lastDropReason).toBe('authFailed');
    },
  );
});

describe('configuration', () => {
  const good = { profile: SrtpProfile.Aes128CmHmacSha1_80 } as const;
  const cm = () => masterKey(SrtpProfile.Aes128CmHmacSha1_80);

  it.each([
    ['an unknown profile', { profile: 5, local: cm(), remote: cm() }],
    [
      'a short key',
      {
        ...good,
        local: { masterKey: Buffer.alloc(15), masterSalt: Buffer.alloc(14) },
        remote: cm(),
      },
    ],
    [
      'a GCM salt for CM',
      {
        ...good,
        local: cm(),
        remote: { masterKey: Buffer.alloc(16), masterSalt: Buffer.alloc(12) },
      },
    ],
    [
      'a 128-bit key for AES-256-GCM',
      {
        profile: SrtpProfile.AeadAes256Gcm,
        local: masterKey(SrtpProfile.AeadAes128Gcm),
        remote: masterKey(SrtpProfile.AeadAes256Gcm),
      },
    ],
    ['a replay window of 32', { ...good, local: cm(), remote: cm(), replayWindow: 32 }],
    ['a replay window of 2^16', { ...good, local: cm(), remote: cm(), replayWindow: 65_536 }],
    ['no stream at all', { ...good, local: cm(), remote: cm(), maxStreams: 0 }],
    [
      'a key lifetime above RFC 3711',
      { ...good, local: cm(), remote: cm(), keyLifetime: { rtcp: 2 ** 31 + 1 } },
    ],
  ])('refuses %s with SrtpConfigurationError', (_, options) => {
    const make = () => new SrtpSession(options as ConstructorParameters<typeof SrtpSession>[0]);
    expect(make).toThrow(SrtpConfigurationError);
    try {
      make();
    } catch (e) {
      expect(SrtpError.isInstance(e)).toBe(true);
      expect((e as Error).name).toBe('SrtpConfigurationError');
    }
  });

  it('throws SrtpPacketError when asked to protect something that is not RTP or RTCP', () => {
    const { a } = pair(SrtpProfile.AeadAes128Gcm);
    expect(() => a.protectRtp(Buffer.alloc(11, 0x80))).toThrow(SrtpPacketError);
    expect(() => a.protectRtp(Buffer.alloc(20))).toThrow(SrtpPacketError);
    expect(() => a.protectRtcp(Buffer.alloc(7, 0x80))).toThrow(SrtpPacketError);
    expect(a.stats.localStreams).toBe(0);
  });
});

/**
 * What a session does with input it must refuse: tampered packets (every octet), floods of
 * unknown SSRCs, the stream bound, key lifetimes. None of it may change state.
 */
import { describe, expect, it } from 'vitest';
import { SrtpError, SrtpKeyLifetimeError } from './errors.js';
import { SrtpProfile, srtpProfileParameters } from './profile.js';
import { SrtpSession } from './session.js';
import { masterKey, PROFILES, pair, rtcp, rtp } from './testing-packets.js';

/** Everything a session keeps about its remote streams, as plain data. */
function remoteState(s: SrtpSession): string {
  const streams = (s as unknown as { remoteStreams: Map<number, object> }).remoteStreams;
  return JSON.stringify([...streams], (_, v) => (v instanceof Uint32Array ? [...v] : v));
}

describe.each(PROFILES.map((p) => [srtpProfileParameters(p).name, p] as const))(
  '%s',
  (_, profile) => {
    it('drops a packet with any octet flipped, and the packet changes nothing', () => {
      const { a, b } = pair(profile);
      for (let seq = 65_530; seq < 65_536; seq++) b.unprotectRtp(a.protectRtp(rtp(seq, 9, 40)));
      // The next packet starts a new rollover counter: the state a forgery would most like to move.
      const genuine = a.protectRtp(rtp(0, 9, 40, { extension: true }));
      const rtcpGenuine = a.protectRtcp(rtcp(9, 5));
      const before = remoteState(b);
      const allowed = new Set(['authFailed', 'malformedHeader', 'truncated', 'replayed']);
      for (const packet of [genuine, rtcpGenuine]) {
        const unprotect = packet === genuine ? b.unprotectRtp.bind(b) : b.unprotectRtcp.bind(b);
        for (let i = 0; i < packet.length; i++) {
          for (const mask of [0x01, 0x80, 0xff]) {
            const bad = Buffer.from(packet);
            bad[i]! ^= mask;
            expect(unprotect(bad), `octet ${i} ^ ${mask}`).toBeUndefined();
            expect(allowed.has(b.lastDropReason!)).toBe(true);
          }
        }
        // Cut short or extended: dropped too.
        expect(unprotect(packet.subarray(0, packet.length - 1))).toBeUndefined();
        expect(unprotect(Buffer.concat([packet, Buffer.of(0)]))).toBeUndefined();
        expect(remoteState(b)).toBe(before);
      }
      const s = b.stats;
      expect(s.rtpDropped.authFailed).toBeGreaterThan(genuine.length * 2);
      expect(s.rtcpDropped.authFailed).toBeGreaterThan(rtcpGenuine.length * 2);
      // The genuine packets still pass, once.
      expect(b.unprotectRtp(genuine)).toEqual(rtp(0, 9, 40, { extension: true }));
      expect(b.unprotectRtcp(rtcpGenuine)).toEqual(rtcp(9, 5));
      expect(remoteState(b)).not.toBe(before);
    });

    it('a flood of forged packets from random SSRCs creates no stream', () => {
      const { a, b } = pair(profile, { maxStreams: 10 });
      const template = a.protectRtp(rtp(1, 1, 100));
      const rtcpTemplate = a.protectRtcp(rtcp(1));
      for (let i = 0; i < 5000; i++) {
        const p = Buffer.from(template);
        p.writeUInt32BE((i * 2_654_435_761) >>> 0, 8);
        p.writeUInt16BE(i & 0xffff, 2);
        expect(b.unprotectRtp(p)).toBeUndefined();
        const q = Buffer.from(rtcpTemplate);
        q.writeUInt32BE((i * 40_503 + 7) >>> 0, 4);
        expect(b.unprotectRtcp(q)).toBeUndefined();
      }
      expect(b.stats.remoteStreams).toBe(0);
      expect(b.stats.rtpDropped.authFailed).toBe(5000);
      expect(b.stats.rtcpDropped.authFailed).toBe(5000);
      expect(b.unprotectRtp(template)).toBeDefined();
    });
  },
);

describe('stream bound', () => {
  it('drops new SSRCs beyond maxStreams, counted, until one is deleted', () => {
    const { a, b } = pair(SrtpProfile.Aes128CmHmacSha1_80, { maxStreams: 3 });
    for (const ssrc of [1, 2, 3]) expect(b.unprotectRtp(a.protectRtp(rtp(1, ssrc)))).toBeDefined();
    expect(b.unprotectRtp(a.protectRtp(rtp(1, 4)))).toBeUndefined();
    expect(b.lastDropReason).toBe('tooManyStreams');
    expect(b.unprotectRtcp(a.protectRtcp(rtcp(5)))).toBeUndefined();
    expect(b.stats.rtcpDropped.tooManyStreams).toBe(1);
    // Known SSRCs go on, RTP and RTCP.
    expect(b.unprotectRtp(a.protectRtp(rtp(2, 3)))).toBeDefined();
    expect(b.unprotectRtcp(a.protectRtcp(rtcp(2)))).toBeDefined();
    expect(b.stats.remoteStreams).toBe(3);
    expect(b.deleteRemoteStream(1)).toBe(true);
    expect(b.deleteRemoteStream(1)).toBe(false);
    expect(b.unprotectRtp(a.protectRtp(rtp(2, 4)))).toBeDefined();
    expect(b.stats.rtpDropped.tooManyStreams).toBe(1);
  });

  it('defaults to 1000 remote streams', () => {
    const { a, b } = pair(SrtpProfile.AeadAes128Gcm);
    for (let ssrc = 1; ssrc <= 1001; ssrc++) b.unprotectRtp(a.protectRtp(rtp(7, ssrc, 10)));
    expect(b.stats.remoteStreams).toBe(1000);
    expect(b.stats.rtpDropped.tooManyStreams).toBe(1);
  });
});

describe('key lifetime (RFC 3711 §9.2)', () => {
  it('refuses to protect past the limit with SrtpKeyLifetimeError, counted', () => {
    const { a } = pair(SrtpProfile.Aes128CmHmacSha1_32, { keyLifetime: { rtp: 3, rtcp: 2 } });
    for (let seq = 0; seq < 3; seq++) a.protectRtp(rtp(seq));
    expect(() => a.protectRtp(rtp(3))).toThrow(SrtpKeyLifetimeError);
    a.protectRtcp(rtcp());
    a.protectRtcp(rtcp());
    try {
      a.protectRtcp(rtcp());
      expect.unreachable();
    } catch (e) {
      expect(SrtpError.isInstance(e)).toBe(true);
      expect(e).toMatchObject({ name: 'SrtpKeyLifetimeError', kind: 'rtcp', limit: 2 });
    }
    expect(a.stats).toMatchObject({ rtpProtected: 3, rtcpProtected: 2, protectRefused: 2 });
  });

  it('drops what the remote key protects past the limit', () => {
    const profile = SrtpProfile.AeadAes256Gcm;
    const k = masterKey(profile);
    const a = new SrtpSession({ profile, local: k, remote: masterKey(profile) });
    const b = new SrtpSession({
      profile,
      local: masterKey(profile),
      remote: k,
      keyLifetime: { rtp: 2, rtcp: 1 },
    });
    expect(b.unprotectRtp(a.protectRtp(rtp(1)))).toBeDefined();
    expect(b.unprotectRtp(a.protectRtp(rtp(2)))).toBeDefined();
    expect(b.unprotectRtp(a.protectRtp(rtp(3)))).toBeUndefined();
    expect(b.lastDropReason).toBe('keyLifetime');
    expect(b.unprotectRtcp(a.protectRtcp(rtcp()))).toBeDefined();
    expect(b.unprotectRtcp(a.protectRtcp(rtcp()))).toBeUndefined();
    expect(b.stats.rtcpDropped.keyLifetime).toBe(1);
  });
});

describe('malformed input', () => {
  it('counts truncated and malformed packets by reason, never throws', () => {
    const { a, b } = pair(SrtpProfile.Aes128CmHmacSha1_80);
    const ok = a.protectRtp(rtp(1, 1, 10, { extension: true }));
    expect(b.unprotectRtp(Buffer.alloc(0))).toBeUndefined();
    expect(b.lastDropReason).toBe('truncated');
    expect(b.unprotectRtp(Buffer.alloc(21, 0x80))).toBeUndefined();
    expect(b.lastDropReason).toBe('truncated');
    const v1 = Buffer.from(ok);
    v1[0] = 0x50;
    expect(b.unprotectRtp(v1)).toBeUndefined();
    expect(b.lastDropReason).toBe('malformedHeader');
    // An extension whose length runs past the end.
    const longExt = Buffer.from(ok);
    longExt.writeUInt16BE(0xffff, 14);
    expect(b.unprotectRtp(longExt)).toBeUndefined();
    expect(b.lastDropReason).toBe('malformedHeader');
    expect(b.unprotectRtcp(Buffer.alloc(21, 0x80))).toBeUndefined();
    expect(b.lastDropReason).toBe('truncated');
    expect(b.unprotectRtcp(Buffer.alloc(40, 0x40))).toBeUndefined();
    expect(b.lastDropReason).toBe('malformedHeader');
    expect(b.stats.rtpDropped).toMatchObject({ truncated: 2, malformedHeader: 2 });
    expect(b.stats.rtcpDropped).toMatchObject({ truncated: 1, malformedHeader: 1 });
    expect(b.unprotectRtp(ok)).toBeDefined();
  });
});

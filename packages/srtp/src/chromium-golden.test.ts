/**
 * Golden SRTP from Chromium 156 (fixtures/chromium, captured by tools/interop/media): the
 * master keys and salts that the DTLS-SRTP exporter gave one session (RFC 5764 §4.2), the
 * first datagrams of each stream as they arrived, and the same packets decrypted. AES-CM
 * (Chromium as DTLS server chose it) and AEAD AES-128-GCM (we chose it, Chromium as client
 * offered it). Unprotecting gives the plain packets; protecting the plain packets with the same
 * keys, rollover counters and SRTCP indexes gives the received bytes again: both transforms
 * are deterministic given key, SSRC, ROC and SEQ (or index).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SrtpProfile, srtpProfileParameters } from './profile.js';
import { SrtpSession } from './session.js';
import { createTransform, E_FLAG, MAX_SRTCP_INDEX } from './transform.js';

const dir = new URL('./fixtures/chromium/', import.meta.url);

interface Golden {
  chromium: string;
  profile: keyof typeof SrtpProfile;
  profileId: number;
  sender: { dtlsRole: string; masterKey: string; masterSalt: string };
  receiver: { dtlsRole: string; masterKey: string; masterSalt: string };
  streams: { ssrc: number; kind: string; initialRoc: number }[];
  datagrams: { rtp: number; rtcp: number };
  protected: string;
  plain: string;
}

interface Datagram {
  readonly rtcp: boolean;
  readonly data: Buffer;
}

/** rtptools' rtpdump format (tools/interop/media/rtpdump.ts): RTCP records have plen 0. */
function readRtpdump(name: string): Datagram[] {
  const b = readFileSync(new URL(name, dir));
  const out: Datagram[] = [];
  for (let at = b.indexOf(0x0a) + 1 + 16; at < b.length; at += b.readUInt16BE(at))
    out.push({
      rtcp: b.readUInt16BE(at + 2) === 0,
      data: b.subarray(at + 8, at + b.readUInt16BE(at)),
    });
  return out;
}

const key = (k: { masterKey: string; masterSalt: string }) => ({
  masterKey: Buffer.from(k.masterKey, 'hex'),
  masterSalt: Buffer.from(k.masterSalt, 'hex'),
});

const goldens = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => [f, JSON.parse(readFileSync(new URL(f, dir), 'utf8')) as Golden] as const);

describe('Chromium golden SRTP', () => {
  it('covers AES-CM and AEAD GCM', () => {
    expect(goldens.map(([, g]) => g.profile).sort()).toEqual([
      'AeadAes128Gcm',
      'Aes128CmHmacSha1_80',
    ]);
  });

  for (const [file, g] of goldens) {
    describe(`${file} (${g.chromium})`, () => {
      const profile = SrtpProfile[g.profile];
      const sealed = readRtpdump(g.protected);
      const plain = readRtpdump(g.plain);

      it('holds what its manifest says: RTP of each stream from its first packet, and SRTCP', () => {
        expect(profile).toBe(g.profileId);
        expect(sealed.map((d) => d.rtcp)).toEqual(plain.map((d) => d.rtcp));
        expect(sealed.filter((d) => !d.rtcp)).toHaveLength(g.datagrams.rtp);
        expect(sealed.filter((d) => d.rtcp)).toHaveLength(g.datagrams.rtcp);
        const ssrcs = new Set(sealed.map((d) => d.data.readUInt32BE(d.rtcp ? 4 : 8)));
        expect([...ssrcs].sort()).toEqual(g.streams.map((s) => s.ssrc).sort());
      });

      it('unprotect(protected) is the plain packet, with Chromium as the remote side', () => {
        const session = new SrtpSession({ profile, local: key(g.receiver), remote: key(g.sender) });
        for (const [i, d] of sealed.entries()) {
          const out = d.rtcp ? session.unprotectRtcp(d.data) : session.unprotectRtp(d.data);
          expect(out?.toString('hex'), `datagram ${i}`).toBe(plain[i]!.data.toString('hex'));
        }
        expect(session.stats).toMatchObject({
          rtpUnprotected: g.datagrams.rtp,
          rtcpUnprotected: g.datagrams.rtcp,
        });
        // The same datagrams again are replays.
        expect(session.unprotectRtp(sealed.find((d) => !d.rtcp)!.data)).toBeUndefined();
        expect(session.lastDropReason).toBe('replayed');
      });

      it('protect(plain) with the same keys and rollover counters gives the received SRTP bytes', () => {
        const session = new SrtpSession({ profile, local: key(g.sender), remote: key(g.receiver) });
        for (const s of g.streams) expect(s.initialRoc).toBe(0);
        for (const [i, d] of plain.entries()) {
          if (d.rtcp) continue;
          expect(session.protectRtp(d.data).toString('hex'), `datagram ${i}`).toBe(
            sealed[i]!.data.toString('hex'),
          );
        }
      });

      it('protecting the plain RTCP under its SRTCP index and E flag gives the received SRTCP bytes', () => {
        const transform = createTransform(srtpProfileParameters(profile), key(g.sender));
        const firstIndex = new Map<number, number>();
        for (const [i, d] of sealed.entries()) {
          if (!d.rtcp) continue;
          // AES-CM: E and index before the tag (RFC 3711 §3.4); AEAD: after it (RFC 7714 §9.1).
          const word = d.data.readUInt32BE(transform.rtcpTrailerOffset(d.data.length));
          const ssrc = d.data.readUInt32BE(4);
          const index = word & MAX_SRTCP_INDEX;
          firstIndex.set(ssrc, Math.min(firstIndex.get(ssrc) ?? index, index));
          const again = transform.protectRtcp(plain[i]!.data, ssrc, index, word >= E_FLAG);
          expect(again.toString('hex'), `datagram ${i}`).toBe(d.data.toString('hex'));
        }
        // libsrtp counts an SSRC's SRTCP index from 1 (ours from 0: RFC 3711 §3.3.1 leaves the
        // start to the sender; receivers take any), and encrypts (E = 1).
        expect([...firstIndex.values()].every((i) => i === 1)).toBe(true);
        const flags = sealed
          .filter((d) => d.rtcp)
          .map((d) => d.data.readUInt32BE(transform.rtcpTrailerOffset(d.data.length)) >= E_FLAG);
        expect(new Set(flags)).toEqual(new Set([true]));
      });

      it('a flipped bit anywhere after the header fails authentication', () => {
        const session = new SrtpSession({ profile, local: key(g.receiver), remote: key(g.sender) });
        for (const d of [sealed.find((x) => !x.rtcp)!, sealed.find((x) => x.rtcp)!]) {
          const bad = Buffer.from(d.data);
          bad[bad.length - 5]! ^= 0x01;
          expect(d.rtcp ? session.unprotectRtcp(bad) : session.unprotectRtp(bad)).toBeUndefined();
          expect(session.lastDropReason).toBe('authFailed');
        }
      });
    });
  }
});

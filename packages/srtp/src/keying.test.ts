import { describe, expect, it } from 'vitest';
import { SrtpConfigurationError } from './errors.js';
import { srtpKeysFromDtls } from './keying.js';
import {
  DTLS_SRTP_EXPORTER_LABEL,
  dtlsSrtpKeyingMaterialLength,
  SrtpProfile,
  srtpProfileParameters,
} from './profile.js';
import { SrtpSession } from './session.js';
import { rtp } from './testing-packets.js';

describe('DTLS-SRTP keying (RFC 5764 §4.2)', () => {
  it('exports the label and the material length per profile', () => {
    expect(DTLS_SRTP_EXPORTER_LABEL).toBe('EXTRACTOR-dtls_srtp');
    expect(dtlsSrtpKeyingMaterialLength(SrtpProfile.Aes128CmHmacSha1_80)).toBe(60);
    expect(dtlsSrtpKeyingMaterialLength(SrtpProfile.Aes128CmHmacSha1_32)).toBe(60);
    expect(dtlsSrtpKeyingMaterialLength(SrtpProfile.AeadAes128Gcm)).toBe(56);
    expect(dtlsSrtpKeyingMaterialLength(SrtpProfile.AeadAes256Gcm)).toBe(88);
    expect(() => dtlsSrtpKeyingMaterialLength(3 as SrtpProfile)).toThrow(SrtpConfigurationError);
  });

  it('splits client key | server key | client salt | server salt by role', () => {
    for (const profile of [SrtpProfile.Aes128CmHmacSha1_80, SrtpProfile.AeadAes256Gcm]) {
      const { keyLength: k, saltLength: s } = srtpProfileParameters(profile);
      const material = Uint8Array.from({ length: 2 * (k + s) }, (_, i) => i);
      const client = srtpKeysFromDtls(material, profile, 'client');
      const server = srtpKeysFromDtls(material, profile, 'server');
      const range = (from: number, n: number) => Uint8Array.from({ length: n }, (_, i) => from + i);
      expect(client.local).toEqual({ masterKey: range(0, k), masterSalt: range(2 * k, s) });
      expect(client.remote).toEqual({ masterKey: range(k, k), masterSalt: range(2 * k + s, s) });
      expect(server.local).toEqual(client.remote);
      expect(server.remote).toEqual(client.local);
      // Copies: wiping the material afterwards leaves the keys alone.
      material.fill(0);
      expect(client.local.masterKey[1]).toBe(1);
    }
  });

  it('gives the two ends sessions that talk to each other', () => {
    const profile = SrtpProfile.AeadAes128Gcm;
    const material = Buffer.alloc(dtlsSrtpKeyingMaterialLength(profile), 0x5a);
    material.writeUInt32BE(0x0102_0304, 3);
    const client = new SrtpSession({ profile, ...srtpKeysFromDtls(material, profile, 'client') });
    const server = new SrtpSession({ profile, ...srtpKeysFromDtls(material, profile, 'server') });
    expect(server.unprotectRtp(client.protectRtp(rtp(1)))).toEqual(rtp(1));
    expect(client.unprotectRtp(server.protectRtp(rtp(2)))).toEqual(rtp(2));
    // Not with itself: each direction has its own key.
    expect(client.unprotectRtp(client.protectRtp(rtp(3)))).toBeUndefined();
  });

  it('refuses material of the wrong length or an unknown role', () => {
    expect(() =>
      srtpKeysFromDtls(new Uint8Array(56), SrtpProfile.Aes128CmHmacSha1_80, 'client'),
    ).toThrow(SrtpConfigurationError);
    expect(() =>
      srtpKeysFromDtls(new Uint8Array(60), SrtpProfile.Aes128CmHmacSha1_80, 'peer' as 'client'),
    ).toThrow(SrtpConfigurationError);
  });
});

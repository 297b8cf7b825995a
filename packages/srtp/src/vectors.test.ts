/**
 * Known answers from the RFCs, stored under fixtures/: RFC 3711 Appendix B.2 (the AES-CM
 * keystream through the SRTP IV) and B.3 (key derivation), RFC 7714 §16 (SRTP AEAD) and §17
 * (SRTCP AEAD, encrypted and tagged only). The RFC 7714 vectors give session keys, so they
 * drive the transforms below the key derivation; the session and libsrtp interop tests cover
 * the rest.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { deriveKey, type SessionKeys } from './key-derivation.js';
import { AesCmTransform } from './transform-cm.js';
import { AesGcmTransform } from './transform-gcm.js';

const fixture = <T>(name: string): T =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;
const hex = (s: string) => Buffer.from(s, 'hex');

interface B2 {
  sessionKey: string;
  sessionSalt: string;
  keystreamOctets: number;
  blocks: Array<{ counter: string; keystream: string }>;
}
interface B3 {
  masterKey: string;
  masterSalt: string;
  derived: Array<{ label: number; key: string }>;
}
interface Aead {
  salt: string;
  ssrc: string;
  plain: string;
  index?: number;
  vectors: Array<{ section: string; key: string; protected: string; encrypted?: boolean }>;
}

const gcmKeys = (key: string, salt: string): SessionKeys => ({
  encryptionKey: hex(key),
  authenticationKey: Buffer.alloc(0),
  salt: hex(salt),
});

describe('RFC 3711 Appendix B', () => {
  it('B.2: the AES-CM keystream of SSRC 0, ROC 0, SEQ 0 is the RFC one, first and last blocks', () => {
    const v = fixture<B2>('rfc3711-b2-aes-cm.json');
    const keys: SessionKeys = {
      encryptionKey: hex(v.sessionKey),
      authenticationKey: Buffer.alloc(20),
      salt: hex(v.sessionSalt),
    };
    const t = new AesCmTransform(keys, keys, 10, 10);
    // A 12-octet header (SSRC 0, SEQ 0) and a payload of zeros: the ciphertext is the keystream.
    const packet = Buffer.alloc(12 + v.keystreamOctets);
    packet[0] = 0x80;
    const keystream = t.protectRtp(packet, 12, 0, 0, 0).subarray(12, 12 + v.keystreamOctets);
    for (const b of v.blocks) {
      const block = hex(b.counter).readUInt16BE(14);
      expect(keystream.subarray(block * 16, block * 16 + 16).toString('hex')).toBe(
        b.keystream.toLowerCase(),
      );
    }
  });

  it('B.3: the session keys derived from the master key are the RFC ones', () => {
    const v = fixture<B3>('rfc3711-b3-key-derivation.json');
    const master = { masterKey: hex(v.masterKey), masterSalt: hex(v.masterSalt) };
    expect(v.derived).toHaveLength(3);
    for (const d of v.derived) {
      const want = hex(d.key);
      expect(deriveKey(master, d.label, want.length).toString('hex')).toBe(want.toString('hex'));
    }
  });
});

describe('RFC 7714 §16: SRTP AEAD', () => {
  const v = fixture<Aead>('rfc7714-16-srtp.json');
  for (const c of v.vectors) {
    it(`§${c.section}: protects to the RFC packet and back`, () => {
      const keys = gcmKeys(c.key, v.salt);
      const t = new AesGcmTransform(keys, keys);
      const plain = hex(v.plain);
      const ssrc = Number.parseInt(v.ssrc, 16);
      const out = t.protectRtp(plain, 12, ssrc, 0, plain.readUInt16BE(2));
      expect(out.toString('hex')).toBe(c.protected);
      expect(t.unprotectRtp(hex(c.protected), 12, ssrc, 0, 0xf17b)?.toString('hex')).toBe(v.plain);
      // The IV holds the ROC (§8.1): under another ROC the tag does not verify.
      expect(t.unprotectRtp(hex(c.protected), 12, ssrc, 1, 0xf17b)).toBeUndefined();
    });
  }
});

describe('RFC 7714 §17: SRTCP AEAD', () => {
  const v = fixture<Aead>('rfc7714-17-srtcp.json');
  expect(v.vectors).toHaveLength(4);
  for (const c of v.vectors) {
    it(`§${c.section}: ${c.encrypted ? 'encrypted' : 'tagged only'}, to the RFC packet and back`, () => {
      const keys = gcmKeys(c.key, v.salt);
      const t = new AesGcmTransform(keys, keys);
      const ssrc = Number.parseInt(v.ssrc, 16);
      const out = t.protectRtcp(hex(v.plain), ssrc, v.index!, c.encrypted!);
      expect(out.toString('hex')).toBe(c.protected);
      const wire = hex(c.protected);
      const word = wire.readUInt32BE(t.rtcpTrailerOffset(wire.length));
      expect(word & 0x7fffffff).toBe(v.index);
      expect(word >>> 31).toBe(c.encrypted ? 1 : 0);
      expect(t.unprotectRtcp(wire, ssrc, v.index!, c.encrypted!)?.toString('hex')).toBe(v.plain);
    });
  }
});

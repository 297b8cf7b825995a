import { describe, expect, it } from 'vitest';
import { CipherSuite, RecordProtection, suiteParams } from './cipher-suite.js';

describe('RecordProtection (RFC 5288, RFC 7905)', () => {
  for (const id of [
    CipherSuite.EcdheEcdsaAes128GcmSha256,
    CipherSuite.EcdheEcdsaAes256GcmSha384,
    CipherSuite.EcdheEcdsaChacha20Poly1305Sha256,
  ]) {
    const s = suiteParams(id)!;
    const key = Buffer.alloc(s.keyLength, 1);
    const iv = Buffer.alloc(s.fixedIvLength, 2);
    it(`0x${id.toString(16)}: opens what it seals; any altered byte fails`, () => {
      const w = new RecordProtection(s, key, iv);
      const r = new RecordProtection(s, key, iv);
      const data = Buffer.from('hello, record layer');
      const rec = w.seal(23, 1, 2 ** 40 + 7, data);
      expect(rec.length).toBe(13 + s.explicitNonce + data.length + 16);
      expect(rec.readUInt16BE(3)).toBe(1);
      expect(rec.readUIntBE(5, 6)).toBe(2 ** 40 + 7);
      expect(r.open(rec, 0, rec.length - 13)?.toString()).toBe('hello, record layer');
      for (let i = 0; i < rec.length; i++) {
        if (i >= 11 && i < 13) continue; // the length field frames the record: not authenticated as such
        const bad = Buffer.from(rec);
        bad[i]! ^= 0x80;
        expect(r.open(bad, 0, bad.length - 13), `byte ${i}`).toBeUndefined();
      }
      expect(r.open(rec.subarray(0, 20), 0, 7)).toBeUndefined();
    });
    it(`0x${id.toString(16)}: a different key does not open`, () => {
      const rec = new RecordProtection(s, key, iv).seal(23, 1, 0, Buffer.from('x'));
      expect(
        new RecordProtection(s, Buffer.alloc(s.keyLength, 9), iv).open(rec, 0, rec.length - 13),
      ).toBeUndefined();
    });
  }

  it('nonces differ per record (sequence numbers enter the nonce)', () => {
    const s = suiteParams(CipherSuite.EcdheEcdsaChacha20Poly1305Sha256)!;
    const w = new RecordProtection(s, Buffer.alloc(32, 1), Buffer.alloc(12, 2));
    const a = w.seal(23, 1, 0, Buffer.alloc(16));
    const b = w.seal(23, 1, 1, Buffer.alloc(16));
    expect(a.subarray(13, 29).equals(b.subarray(13, 29))).toBe(false);
  });
});

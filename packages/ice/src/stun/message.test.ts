import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { StunAttr, StunClass, StunMethod } from './constants.js';
import { longTermKey, verifyFingerprint, verifyIntegrity } from './integrity.js';
import { decodeStun, isStun } from './message.js';
import { unknownAttributesResponse } from './responses.js';
import { StunWriter } from './writer.js';

const fixture = (name: string): Buffer =>
  Buffer.from(
    readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8').replace(/\s+/g, ''),
    'hex',
  );
const PASSWORD = 'VOkJxbRl1RmTxUk/WvJxBt';
const TID = Buffer.from('b7e7a701bc34d686fa87dfae', 'hex');

describe('RFC 5769 test vectors', () => {
  it('2.1 sample request decodes, verifies and re-encodes byte for byte', () => {
    const bytes = fixture('rfc5769-2.1-request.hex');
    const m = decodeStun(bytes)!;
    expect(m.method).toBe(StunMethod.Binding);
    expect(m.cls).toBe(StunClass.Request);
    expect(m.transactionId.equals(TID)).toBe(true);
    expect(m.getString(StunAttr.Software)).toBe('STUN test client');
    expect(m.getString(StunAttr.Username)).toBe('evtj:h6vY');
    expect(m.getUint32(StunAttr.Priority)).toBe(0x6e0001ff);
    expect(m.getUint64(StunAttr.IceControlled)).toBe(0x932ff9b151263b36n);
    expect(verifyIntegrity(m, PASSWORD)).toBe(true);
    expect(verifyIntegrity(m, 'wrong')).toBe(false);
    expect(verifyFingerprint(m)).toBe(true);
    // The vector pads with 0x20, we pad with zeros: compare after re-encoding our way, then
    // check the integrity of the original with our HMAC (done above).
    const again = new StunWriter(StunMethod.Binding, StunClass.Request, TID)
      .addString(StunAttr.Software, 'STUN test client')
      .addUint32(StunAttr.Priority, 0x6e0001ff)
      .addUint64(StunAttr.IceControlled, 0x932ff9b151263b36n)
      .addString(StunAttr.Username, 'evtj:h6vY')
      .finish({ integrity: PASSWORD, fingerprint: true });
    expect(again.length).toBe(bytes.length);
    const padded = Buffer.from(again);
    padded.fill(0x20, padded.length - 36 - 3, padded.length - 36); // USERNAME padding
    expect(padded.subarray(0, 60)).toEqual(bytes.subarray(0, 60));
    const d = decodeStun(again)!;
    expect(verifyIntegrity(d, PASSWORD)).toBe(true);
    expect(verifyFingerprint(d)).toBe(true);
  });

  it('2.2 IPv4 response', () => {
    const bytes = fixture('rfc5769-2.2-ipv4-response.hex');
    const m = decodeStun(bytes)!;
    expect(m.cls).toBe(StunClass.SuccessResponse);
    expect(m.getString(StunAttr.Software)).toBe('test vector');
    expect(m.getXorAddress()).toEqual({ address: '192.0.2.1', port: 32853, family: 'IPv4' });
    expect(verifyIntegrity(m, PASSWORD)).toBe(true);
    expect(verifyFingerprint(m)).toBe(true);
    const again = new StunWriter(StunMethod.Binding, StunClass.SuccessResponse, TID)
      .addString(StunAttr.Software, 'test vector')
      .addXorAddress(StunAttr.XorMappedAddress, '192.0.2.1', 32853)
      .finish({ integrity: PASSWORD, fingerprint: true });
    again[20 + 4 + 11] = 0x20; // the vector pads SOFTWARE with a space, we with zero
    expect(again.subarray(0, 44)).toEqual(bytes.subarray(0, 44));
  });

  it('2.3 IPv6 response', () => {
    const m = decodeStun(fixture('rfc5769-2.3-ipv6-response.hex'))!;
    expect(m.getXorAddress()).toEqual({
      address: '2001:db8:1234:5678:11:2233:4455:6677',
      port: 32853,
      family: 'IPv6',
    });
    expect(verifyIntegrity(m, PASSWORD)).toBe(true);
    expect(verifyFingerprint(m)).toBe(true);
    const w = new StunWriter(StunMethod.Binding, StunClass.SuccessResponse, TID)
      .addXorAddress(StunAttr.XorMappedAddress, '2001:db8:1234:5678:11:2233:4455:6677', 32853)
      .finish();
    expect(w.subarray(20)).toEqual(m.raw.subarray(36, 60));
  });

  it('2.4 long-term credentials: decode, verify and encode byte for byte', () => {
    const bytes = fixture('rfc5769-2.4-long-term.hex');
    const m = decodeStun(bytes)!;
    const username = '\u30de\u30c8\u30ea\u30c3\u30af\u30b9';
    expect(m.getString(StunAttr.Username)).toBe(username);
    expect(m.getString(StunAttr.Nonce)).toBe('f//499k954d6OL34oL9FSTvy64sA');
    expect(m.getString(StunAttr.Realm)).toBe('example.org');
    expect(verifyFingerprint(m)).toBe(false);
    // The password as given in RFC 5769 §2.4, before SASLprep/OpaqueString.
    const key = longTermKey(username, 'example.org', 'The\u00adM\u00aatr\u2168');
    expect(key).toEqual(longTermKey(username, 'example.org', 'TheMatrIX'));
    expect(verifyIntegrity(m, key)).toBe(true);
    const again = new StunWriter(StunMethod.Binding, StunClass.Request, m.transactionId)
      .addString(StunAttr.Username, username)
      .addString(StunAttr.Nonce, 'f//499k954d6OL34oL9FSTvy64sA')
      .addString(StunAttr.Realm, 'example.org')
      .finish({ integrity: key });
    expect(again).toEqual(bytes);
  });
});

describe('encode and decode', () => {
  it('round-trips every method and class, with both integrities and fingerprint', () => {
    for (const method of [1, 3, 4, 6, 7, 8, 9, 0xfff]) {
      for (const cls of [0, 1, 2, 3] as StunClass[]) {
        const w = new StunWriter(method, cls)
          .addBytes(StunAttr.Data, Buffer.from('abcde'))
          .addFlag(StunAttr.UseCandidate)
          .addXorAddress(StunAttr.XorPeerAddress, '::ffff:192.0.2.9', 9)
          .addAddress(StunAttr.MappedAddress, '10.0.0.1', 65535);
        const bytes = w.finish({ integrity: 'k', integritySha256: 'k2', fingerprint: true });
        const m = decodeStun(bytes)!;
        expect(isStun(bytes)).toBe(true);
        expect([m.method, m.cls]).toEqual([method, cls]);
        expect(m.get(StunAttr.Data)?.toString()).toBe('abcde');
        expect(m.has(StunAttr.UseCandidate)).toBe(true);
        expect(m.getXorAddress(StunAttr.XorPeerAddress)?.address).toBe('::ffff:c000:209');
        expect(m.getAddress()).toEqual({ address: '10.0.0.1', port: 65535, family: 'IPv4' });
        expect(verifyIntegrity(m, 'k')).toBe(true);
        expect(verifyFingerprint(m)).toBe(true);
        const flipped = Buffer.from(bytes);
        flipped[25]! ^= 1;
        const f = decodeStun(flipped)!;
        expect(verifyIntegrity(f, 'k')).toBe(false);
        expect(verifyFingerprint(f)).toBe(false);
      }
    }
  });

  it('ERROR-CODE and UNKNOWN-ATTRIBUTES; 420 for unknown comprehension-required attributes', () => {
    const req = decodeStun(
      new StunWriter(StunMethod.Binding, StunClass.Request)
        .addBytes(0x7777, Buffer.from([1]))
        .addBytes(0xc001, Buffer.from([2])) // comprehension-optional: ignored
        .finish(),
    )!;
    expect(req.unknownComprehensionRequired()).toEqual([0x7777]);
    const res = decodeStun(unknownAttributesResponse(req)!)!;
    expect(res.cls).toBe(StunClass.ErrorResponse);
    expect(res.transactionId).toEqual(req.transactionId);
    expect(res.getErrorCode()).toEqual({ code: 420, reason: 'Unknown Attribute' });
    expect(res.getUnknownAttributes()).toEqual([0x7777]);
    const ok = decodeStun(new StunWriter(1, StunClass.Request).finish())!;
    expect(unknownAttributesResponse(ok)).toBeUndefined();
  });

  it('ignores attributes after MESSAGE-INTEGRITY and FINGERPRINT, rejects bad framing', () => {
    const signed = new StunWriter(1, 0)
      .addString(StunAttr.Software, 'x')
      .finish({ integrity: 'k' });
    const extra = Buffer.from([0x00, 0x13, 0x00, 0x04, 1, 2, 3, 4]);
    const tampered = Buffer.concat([signed, extra]);
    tampered.writeUInt16BE(tampered.length - 20, 2);
    const m = decodeStun(tampered)!;
    expect(m.has(StunAttr.Data)).toBe(false);
    expect(verifyIntegrity(m, 'k')).toBe(true);
    expect(decodeStun(signed.subarray(0, 19))).toBeUndefined();
    expect(decodeStun(signed.subarray(0, signed.length - 1))).toBeUndefined();
    const bad = Buffer.from(signed);
    bad[0] = 0x80;
    expect(decodeStun(bad)).toBeUndefined();
    const cookie = Buffer.from(signed);
    cookie[4] = 0;
    expect(decodeStun(cookie)).toBeUndefined();
    const overrun = Buffer.from(signed);
    overrun.writeUInt16BE(200, 22);
    expect(decodeStun(overrun)).toBeUndefined();
  });

  it('decodes views without copying', () => {
    const bytes = new StunWriter(1, 0).addString(StunAttr.Username, 'a:b').finish();
    const m = decodeStun(bytes)!;
    expect(m.raw.buffer).toBe(bytes.buffer);
    expect(m.get(StunAttr.Username)!.buffer).toBe(bytes.buffer);
  });
});

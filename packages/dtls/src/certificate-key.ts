import { createPublicKey, type KeyObject } from 'node:crypto';
import { ParseError } from './errors.js';

interface Tlv {
  tag: number;
  /** First content byte. */
  start: number;
  /** One past the last content byte. */
  end: number;
}

/** Reads the DER element at `at` (X.690 §8.1: definite lengths only). */
function tlv(der: Buffer, at: number, limit: number): Tlv {
  if (at + 2 > limit) throw new ParseError('truncated DER element');
  const tag = der[at]!;
  let len = der[at + 1]!;
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 3 || start + n > limit) throw new ParseError('bad DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[start + i]!;
    start += n;
  }
  const end = start + len;
  if (end > limit) throw new ParseError('DER element past its parent');
  return { tag, start, end };
}

// AlgorithmIdentifier of an EC P-256 key: id-ecPublicKey (RFC 5480 §2.1.1) + prime256v1.
const EC_P256_ALGORITHM = Buffer.from('301306072a8648ce3d020106082a8648ce3d030107', 'hex');

/**
 * @internal The public key of an X.509 certificate (RFC 5280 §4.1), found by walking the DER
 * to subjectPublicKeyInfo. Much cheaper than a full `X509Certificate` parse, which matters on
 * the handshake path; the identity check is the fingerprint, not the certificate's own
 * signature (RFC 8827 §6.5: WebRTC certificates are self-signed). P-256 keys are imported as
 * JWK, the fastest path in node:crypto; any other key (RSA, P-384) as SPKI.
 */
export function certificatePublicKey(der: Buffer): KeyObject {
  const cert = tlv(der, 0, der.length);
  if (cert.tag !== 0x30 || cert.end !== der.length)
    throw new ParseError('certificate is not a SEQUENCE');
  const tbs = tlv(der, cert.start, cert.end);
  if (tbs.tag !== 0x30) throw new ParseError('tbsCertificate is not a SEQUENCE');
  let at = tbs.start;
  let e = tlv(der, at, tbs.end);
  if (e.tag === 0xa0) at = e.end; // [0] version
  // serialNumber, signature, issuer, validity, subject
  for (let i = 0; i < 5; i++) at = tlv(der, at, tbs.end).end;
  e = tlv(der, at, tbs.end);
  if (e.tag !== 0x30) throw new ParseError('subjectPublicKeyInfo is not a SEQUENCE');
  const spki = der.subarray(at, e.end);
  const alg = tlv(der, e.start, e.end);
  const bits = tlv(der, alg.end, e.end);
  if (bits.tag !== 0x03) throw new ParseError('subjectPublicKey is not a BIT STRING');
  try {
    if (
      bits.end - bits.start === 66 &&
      der[bits.start] === 0 &&
      der[bits.start + 1] === 4 &&
      der.subarray(e.start, alg.end).equals(EC_P256_ALGORITHM)
    ) {
      const x = der.subarray(bits.start + 2, bits.start + 34).toString('base64url');
      const y = der.subarray(bits.start + 34, bits.end).toString('base64url');
      return createPublicKey({ key: { kty: 'EC', crv: 'P-256', x, y }, format: 'jwk' });
    }
    return createPublicKey({ key: spki, format: 'der', type: 'spki' });
  } catch (cause) {
    throw new ParseError('the certificate public key does not import', { cause });
  }
}

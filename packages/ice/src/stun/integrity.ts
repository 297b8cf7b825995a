/**
 * MESSAGE-INTEGRITY (RFC 8489 §14.5), MESSAGE-INTEGRITY-SHA256 (§14.6), FINGERPRINT (§14.7)
 * and the long-term key (§9.2.2). The HMAC and CRC run over the message in place: the length
 * field they cover is fed separately instead of patching a copy.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { FINGERPRINT_XOR, HEADER_LENGTH } from './constants.js';
import type { StunMessage } from './message.js';

const lengthBytes = Buffer.alloc(2);

function macOver(
  algorithm: 'sha1' | 'sha256',
  key: Uint8Array,
  raw: Buffer,
  at: number,
  attrLength: number,
): Buffer {
  // The length field covers everything up to and including this attribute (§14.5).
  lengthBytes.writeUInt16BE(at - HEADER_LENGTH + 4 + attrLength, 0);
  return createHmac(algorithm, key)
    .update(raw.subarray(0, 2))
    .update(lengthBytes)
    .update(raw.subarray(4, at))
    .digest();
}

/** HMAC-SHA1 of `raw[0..at]` as MESSAGE-INTEGRITY at offset `at` would carry it. */
export function computeIntegrity(key: Uint8Array, raw: Buffer, at: number): Buffer {
  return macOver('sha1', key, raw, at, 20);
}

/** HMAC-SHA256 of `raw[0..at]` for a MESSAGE-INTEGRITY-SHA256 of `length` bytes at `at`. */
export function computeIntegritySha256(
  key: Uint8Array,
  raw: Buffer,
  at: number,
  length = 32,
): Buffer {
  return macOver('sha256', key, raw, at, length).subarray(0, length);
}

/** CRC-32 of `raw[0..at]` XOR 0x5354554e, for a FINGERPRINT at offset `at`. */
export function computeFingerprint(raw: Buffer, at: number): number {
  lengthBytes.writeUInt16BE(at - HEADER_LENGTH + 8, 0);
  let c = crc32(raw.subarray(0, 2));
  c = crc32(lengthBytes, c);
  c = crc32(raw.subarray(4, at), c);
  return (c ^ FINGERPRINT_XOR) >>> 0;
}

/**
 * Checks MESSAGE-INTEGRITY (or, if only that is present, MESSAGE-INTEGRITY-SHA256) with `key`
 * (the short-term password as UTF-8, or a long-term key). False when absent or wrong.
 */
export function verifyIntegrity(msg: StunMessage, key: Uint8Array | string): boolean {
  const k = typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
  const raw = msg.raw;
  if (msg.integrityOffset >= 0) {
    const at = msg.integrityOffset;
    const mac = computeIntegrity(k, raw, at);
    return timingSafeEqual(mac, raw.subarray(at + 4, at + 24));
  }
  if (msg.integritySha256Offset >= 0) {
    const at = msg.integritySha256Offset;
    const len = raw.readUInt16BE(at + 2);
    const mac = computeIntegritySha256(k, raw, at, len);
    return timingSafeEqual(mac, raw.subarray(at + 4, at + 4 + len));
  }
  return false;
}

/** True when FINGERPRINT is present and right. */
export function verifyFingerprint(msg: StunMessage): boolean {
  const at = msg.fingerprintOffset;
  if (at < 0) return false;
  return msg.raw.readUInt32BE(at + 4) === computeFingerprint(msg.raw, at);
}

/**
 * Prepares a password as OpaqueString (RFC 8265, replacing SASLprep of RFC 5389): the common
 * subset implemented here maps non-ASCII spaces to U+0020, drops soft hyphens and zero-width
 * characters that SASLprep maps to nothing, and applies NFKC.
 */
export function prepareString(s: string): string {
  return s
    .replace(
      /\u00ad|\u034f|\u1806|[\u180b-\u180d]|[\u200b-\u200d]|\u2060|[\ufe00-\ufe0f]|\ufeff/g,
      '',
    )
    .replace(/[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]/g, ' ')
    .normalize('NFKC');
}

/** The long-term credential key MD5(username ":" realm ":" password), RFC 8489 §9.2.2. */
export function longTermKey(username: string, realm: string, password: string): Buffer {
  return createHash('md5')
    .update(`${username}:${prepareString(realm)}:${prepareString(password)}`, 'utf8')
    .digest();
}

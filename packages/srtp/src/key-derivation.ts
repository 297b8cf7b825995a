/**
 * @internal The SRTP key derivation (RFC 3711 §4.3) with a key derivation rate of 0, the only
 * rate DTLS-SRTP uses (RFC 5764 §4.1.2): each session key is derived once per master key.
 */
import { createCipheriv } from 'node:crypto';
import type { SrtpMasterKey } from './keying.js';
import type { SrtpProfileParameters } from './profile.js';

/** RFC 3711 §4.3.1 and §4.3.2: the labels of the six session keys. */
export const Label = {
  RtpEncryption: 0x00,
  RtpAuthentication: 0x01,
  RtpSalt: 0x02,
  RtcpEncryption: 0x03,
  RtcpAuthentication: 0x04,
  RtcpSalt: 0x05,
} as const;

/** The keys of one direction of one protocol (SRTP or SRTCP). */
export interface SessionKeys {
  readonly encryptionKey: Buffer;
  /** HMAC-SHA1 key (n_a = 160 bits, RFC 3711 §4.2.1); empty for AEAD. */
  readonly authenticationKey: Buffer;
  /** 14 octets for counter mode, 12 for AEAD (RFC 7714 §11). */
  readonly salt: Buffer;
}

/**
 * RFC 3711 §4.3.1, §4.3.3: `PRF_n(k_master, x)` with `x = (label || r) XOR master_salt`, `r = 0`,
 * where `PRF` is AES in counter mode keyed with the master key and started at `IV = x * 2^16`
 * (AES_256_CM_PRF of RFC 6188 §3 for 32-octet master keys). A master salt shorter than 14
 * octets (the 12 of RFC 7714) is padded with zeros on the right: RFC 7714 erratum 4938 says
 * the 96-bit salt is multiplied by 2^16 to make the 112-bit salt of the KDF.
 */
export function deriveKey(master: SrtpMasterKey, label: number, length: number): Buffer {
  const iv = Buffer.alloc(16);
  iv.set(master.masterSalt.subarray(0, 14));
  // key_id = label || r is 56 bits, right-aligned in the 112-bit salt: the label is octet 7.
  iv[7]! ^= label;
  const cipher = createCipheriv(
    master.masterKey.length === 32 ? 'aes-256-ctr' : 'aes-128-ctr',
    master.masterKey,
    iv,
  );
  return Buffer.concat([cipher.update(Buffer.alloc(length)), cipher.final()]);
}

/** Every session key a profile needs, for SRTP and SRTCP. */
export function deriveSessionKeys(
  params: SrtpProfileParameters,
  master: SrtpMasterKey,
): { rtp: SessionKeys; rtcp: SessionKeys } {
  const authLength = params.aead ? 0 : 20;
  const derive = (enc: number, auth: number, salt: number): SessionKeys => ({
    encryptionKey: deriveKey(master, enc, params.keyLength),
    authenticationKey: deriveKey(master, auth, authLength),
    salt: deriveKey(master, salt, params.saltLength),
  });
  return {
    rtp: derive(Label.RtpEncryption, Label.RtpAuthentication, Label.RtpSalt),
    rtcp: derive(Label.RtcpEncryption, Label.RtcpAuthentication, Label.RtcpSalt),
  };
}

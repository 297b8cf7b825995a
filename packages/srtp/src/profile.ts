/** SRTP protection profiles and their parameters (RFC 3711 §8.2, RFC 5764 §4.1.2, RFC 7714 §14.2). */
import { SrtpConfigurationError } from './errors.js';

/**
 * The SRTP protection profiles this package implements, numbered as DTLS-SRTP's `use_srtp`
 * extension numbers them (RFC 5764 §4.1.2, RFC 7714 §14.2), so the profile a DTLS handshake
 * negotiated can be passed as it is.
 */
export enum SrtpProfile {
  /** AES-128 counter mode, HMAC-SHA1 with an 80-bit tag (RFC 5764 §4.1.2). */
  Aes128CmHmacSha1_80 = 0x0001,
  /** AES-128 counter mode, HMAC-SHA1 with a 32-bit SRTP tag; SRTCP keeps the 80-bit tag. */
  Aes128CmHmacSha1_32 = 0x0002,
  /** AEAD_AES_128_GCM (RFC 7714 §14.2): a 16-octet tag, no separate authentication key. */
  AeadAes128Gcm = 0x0007,
  /** AEAD_AES_256_GCM (RFC 7714 §14.2). */
  AeadAes256Gcm = 0x0008,
}

/** The lengths a profile fixes, in octets. */
export interface SrtpProfileParameters {
  /** The IANA name of the profile, e.g. `SRTP_AES128_CM_HMAC_SHA1_80`. */
  readonly name: string;
  /** Master (and session) encryption key length. */
  readonly keyLength: number;
  /** Master salt length: 14 for the counter-mode profiles, 12 for AEAD (RFC 7714 §12). */
  readonly saltLength: number;
  /** Authentication tag appended to SRTP packets. */
  readonly rtpTagLength: number;
  /** Authentication tag appended to SRTCP packets. */
  readonly rtcpTagLength: number;
  /** True for the AES-GCM profiles of RFC 7714. */
  readonly aead: boolean;
}

const PARAMETERS: Readonly<Record<SrtpProfile, SrtpProfileParameters>> = {
  [SrtpProfile.Aes128CmHmacSha1_80]: {
    name: 'SRTP_AES128_CM_HMAC_SHA1_80',
    keyLength: 16,
    saltLength: 14,
    rtpTagLength: 10,
    rtcpTagLength: 10,
    aead: false,
  },
  // RFC 5764 §4.1.2: "SRTCP auth tag: 80 bits" for SRTP_AES128_CM_HMAC_SHA1_32 as well.
  [SrtpProfile.Aes128CmHmacSha1_32]: {
    name: 'SRTP_AES128_CM_HMAC_SHA1_32',
    keyLength: 16,
    saltLength: 14,
    rtpTagLength: 4,
    rtcpTagLength: 10,
    aead: false,
  },
  [SrtpProfile.AeadAes128Gcm]: {
    name: 'SRTP_AEAD_AES_128_GCM',
    keyLength: 16,
    saltLength: 12,
    rtpTagLength: 16,
    rtcpTagLength: 16,
    aead: true,
  },
  [SrtpProfile.AeadAes256Gcm]: {
    name: 'SRTP_AEAD_AES_256_GCM',
    keyLength: 32,
    saltLength: 12,
    rtpTagLength: 16,
    rtcpTagLength: 16,
    aead: true,
  },
};

/**
 * The parameters of `profile`. Throws {@link SrtpConfigurationError} for a number that is not
 * one of the four profiles above (e.g. the NULL-cipher profiles, which this package refuses).
 */
export function srtpProfileParameters(profile: SrtpProfile): SrtpProfileParameters {
  const p = Object.hasOwn(PARAMETERS, profile) ? PARAMETERS[profile] : undefined;
  if (!p)
    throw new SrtpConfigurationError(
      `unknown SRTP protection profile ${profile}; use one of SrtpProfile (0x0001, 0x0002, 0x0007, 0x0008)`,
    );
  return p;
}

/** The exporter label of DTLS-SRTP (RFC 5764 §4.2), for `exportKeyingMaterial(label, length)`. */
export const DTLS_SRTP_EXPORTER_LABEL = 'EXTRACTOR-dtls_srtp';

/**
 * How many octets of keying material to export from DTLS for `profile` (RFC 5764 §4.2): two
 * master keys and two master salts, `2 * (keyLength + saltLength)` (60 for the counter-mode
 * profiles, 56 for AES-128-GCM, 88 for AES-256-GCM).
 */
export function dtlsSrtpKeyingMaterialLength(profile: SrtpProfile): number {
  const p = srtpProfileParameters(profile);
  return 2 * (p.keyLength + p.saltLength);
}

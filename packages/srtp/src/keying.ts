/** Master keys and salts from DTLS-SRTP keying material (RFC 5764 §4.2). */
import { SrtpConfigurationError } from './errors.js';
import {
  dtlsSrtpKeyingMaterialLength,
  type SrtpProfile,
  srtpProfileParameters,
} from './profile.js';

/** A master key and master salt (RFC 3711 §3.2.1), the input of the key derivation. */
export interface SrtpMasterKey {
  /** 16 octets, or 32 for `AeadAes256Gcm`. */
  readonly masterKey: Uint8Array;
  /** 14 octets for the counter-mode profiles, 12 for AEAD (RFC 7714 §12). */
  readonly masterSalt: Uint8Array;
}

/** The two master keys of a session: `local` protects what we send, `remote` unprotects what we receive. */
export interface SrtpSessionKeys {
  /** Protects outgoing packets (`protectRtp`, `protectRtcp`). */
  readonly local: SrtpMasterKey;
  /** Unprotects incoming packets (`unprotectRtp`, `unprotectRtcp`). */
  readonly remote: SrtpMasterKey;
}

/** Our side of the DTLS handshake. */
export type DtlsSrtpRole = 'client' | 'server';

/**
 * Splits DTLS-SRTP keying material into our master key+salt and the peer's (RFC 5764 §4.2).
 * The exporter output is the client's master key, the server's master key, the client's
 * master salt and the server's master salt, in that order; the client protects with the
 * client's key and salt and the server with the server's. Get `material` with
 * `dtls.exportKeyingMaterial(DTLS_SRTP_EXPORTER_LABEL, dtlsSrtpKeyingMaterialLength(profile))`.
 * The result is copied, so `material` may be wiped afterwards.
 *
 * @throws {@link SrtpConfigurationError} for an unknown profile or material of the wrong length.
 */
export function srtpKeysFromDtls(
  material: Uint8Array,
  profile: SrtpProfile,
  role: DtlsSrtpRole,
): SrtpSessionKeys {
  const { keyLength: k, saltLength: s } = srtpProfileParameters(profile);
  const want = dtlsSrtpKeyingMaterialLength(profile);
  if (material.length !== want)
    throw new SrtpConfigurationError(
      `DTLS-SRTP keying material for profile ${profile} must be ${want} octets, got ${material.length}`,
    );
  if (role !== 'client' && role !== 'server')
    throw new SrtpConfigurationError(`role must be 'client' or 'server', got ${String(role)}`);
  const copy = (from: number, length: number) =>
    Uint8Array.prototype.slice.call(material, from, from + length);
  const client: SrtpMasterKey = { masterKey: copy(0, k), masterSalt: copy(2 * k, s) };
  const server: SrtpMasterKey = { masterKey: copy(k, k), masterSalt: copy(2 * k + s, s) };
  return role === 'client' ? { local: client, remote: server } : { local: server, remote: client };
}

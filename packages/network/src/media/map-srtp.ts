/**
 * The one place where `@x/dtls`'s negotiated `use_srtp` profile becomes `@x/srtp`'s profile
 * (both number them by the IANA DTLS-SRTP registry, RFC 5764 §4.1.2 and RFC 7714 §14.2, but
 * each package keeps its own enum).
 */
import { SrtpProtectionProfile } from '@x/dtls';
import { SrtpProfile } from '@x/srtp';

/** The SRTP profile of a negotiated DTLS-SRTP protection profile. */
export function mapSrtpProfile(profile: SrtpProtectionProfile): SrtpProfile {
  switch (profile) {
    case SrtpProtectionProfile.Aes128CmHmacSha1_80:
      return SrtpProfile.Aes128CmHmacSha1_80;
    case SrtpProtectionProfile.Aes128CmHmacSha1_32:
      return SrtpProfile.Aes128CmHmacSha1_32;
    case SrtpProtectionProfile.AeadAes128Gcm:
      return SrtpProfile.AeadAes128Gcm;
    case SrtpProtectionProfile.AeadAes256Gcm:
      return SrtpProfile.AeadAes256Gcm;
    default: {
      const unknown: never = profile;
      throw new Error(`unknown SRTP protection profile ${String(unknown)}`);
    }
  }
}

import { constants, type KeyObject, sign, verify } from 'node:crypto';
import { SignatureScheme } from './constants.js';

interface SchemeParams {
  hash: string;
  kind: 'ec' | 'rsa';
  pss: boolean;
}

const SCHEMES = new Map<number, SchemeParams>([
  [SignatureScheme.EcdsaSecp256r1Sha256, { hash: 'sha256', kind: 'ec', pss: false }],
  [SignatureScheme.EcdsaSecp384r1Sha384, { hash: 'sha384', kind: 'ec', pss: false }],
  [SignatureScheme.RsaPkcs1Sha256, { hash: 'sha256', kind: 'rsa', pss: false }],
  [SignatureScheme.RsaPkcs1Sha384, { hash: 'sha384', kind: 'rsa', pss: false }],
  [SignatureScheme.RsaPkcs1Sha512, { hash: 'sha512', kind: 'rsa', pss: false }],
  [SignatureScheme.RsaPssRsaeSha256, { hash: 'sha256', kind: 'rsa', pss: true }],
  [SignatureScheme.RsaPssRsaeSha384, { hash: 'sha384', kind: 'rsa', pss: true }],
]);

/** @internal The schemes we accept from peers (ECDSA and RSA certificates), in preference order. */
export const ACCEPTED_SCHEMES: readonly number[] = [
  SignatureScheme.EcdsaSecp256r1Sha256,
  SignatureScheme.EcdsaSecp384r1Sha384,
  SignatureScheme.RsaPssRsaeSha256,
  SignatureScheme.RsaPkcs1Sha256,
  SignatureScheme.RsaPssRsaeSha384,
  SignatureScheme.RsaPkcs1Sha384,
  SignatureScheme.RsaPkcs1Sha512,
];

/** Schemes we sign with, by our key type, in preference order. */
const OURS: Record<'ec' | 'rsa', readonly number[]> = {
  ec: [SignatureScheme.EcdsaSecp256r1Sha256],
  // RSASSA-PKCS1-v1_5 first, as TLS 1.2 peers expect it; RSASSA-PSS for a peer that asks for it.
  rsa: [
    SignatureScheme.RsaPkcs1Sha256,
    SignatureScheme.RsaPssRsaeSha256,
    SignatureScheme.RsaPkcs1Sha384,
    SignatureScheme.RsaPssRsaeSha384,
    SignatureScheme.RsaPkcs1Sha512,
  ],
};

/**
 * @internal The scheme we sign with: the first one our key can make that the peer accepts
 * (`accepted`: its signature_algorithms, RFC 5246 §7.4.1.4.1, or the CertificateRequest's
 * list, §7.4.4). Without a list, SHA-256 with our key's algorithm. Undefined when none fits.
 */
export function ourScheme(
  key: KeyObject,
  accepted: readonly number[] | undefined,
): number | undefined {
  const type = key.asymmetricKeyType;
  if (type !== 'ec' && type !== 'rsa') return undefined;
  const mine = OURS[type];
  if (accepted === undefined) return mine[0];
  return mine.find((s) => accepted.includes(s));
}

/** @internal Signs `data` with our key under `scheme` (from {@link ourScheme}). */
export function signData(key: KeyObject, data: Uint8Array, scheme: number): Buffer {
  const p = SCHEMES.get(scheme)!;
  if (p.pss) {
    return sign(p.hash, data, {
      key,
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
    });
  }
  return sign(p.hash, data, key);
}

/**
 * @internal Verifies a peer's signature with `scheme`. False for a scheme we do not know, a
 * scheme whose key type does not match the certificate's, or a bad signature.
 */
export function verifyData(
  scheme: number,
  key: KeyObject,
  data: Uint8Array,
  signature: Uint8Array,
): boolean {
  const p = SCHEMES.get(scheme);
  if (!p) return false;
  const type = key.asymmetricKeyType;
  if (p.kind === 'ec' ? type !== 'ec' : type !== 'rsa') return false;
  try {
    if (p.pss)
      return verify(
        p.hash,
        data,
        {
          key,
          padding: constants.RSA_PKCS1_PSS_PADDING,
          saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
        },
        signature,
      );
    return verify(p.hash, data, key, signature);
  } catch {
    return false;
  }
}

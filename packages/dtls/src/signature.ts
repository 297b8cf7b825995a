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

/** @internal Our signing scheme: our certificates are ECDSA P-256. */
export const OUR_SCHEME = SignatureScheme.EcdsaSecp256r1Sha256;

/** @internal Signs `data` with our ECDSA key (DER-encoded signature, RFC 8422 §5.4). */
export function signData(key: KeyObject, data: Uint8Array): Buffer {
  return sign('sha256', data, key);
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

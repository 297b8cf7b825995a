/**
 * webrtc-pc `generateCertificate()` (§4.9): the key generation algorithm normalized as
 * WebCrypto does ("normalize an algorithm" for generateKey: names compare case-insensitively,
 * a required member missing is a TypeError), the `expires` member converted as a WebIDL
 * `[EnforceRange] unsigned long long`, then an ECDSA P-256 certificate made by `@x/network`.
 */
import { generateCertificate } from '@x/network';
import { RTCCertificate } from './rtc-types.js';

/** WebCrypto `AlgorithmIdentifier` with the `RTCCertificateExpiration` member. */
export type CertificateAlgorithm =
  | string
  | { name: string; namedCurve?: string; expires?: number; [member: string]: unknown };

/** Default lifetime: 30 days, as browsers give. */
const DEFAULT_EXPIRES_MS = 30 * 24 * 3600 * 1000;
/** webrtc-pc: a user agent may cap the lifetime; 365 days, as Chromium does. */
const MAX_EXPIRES_MS = 365 * 24 * 3600 * 1000;

const notSupported = (what: string): DOMException =>
  new DOMException(
    `${what}: this stack makes ECDSA P-256 certificates ({ name: 'ECDSA', namedCurve: 'P-256' })`,
    'NotSupportedError',
  );

/** Runs the steps; throws what the returned promise must reject with. */
export function newCertificate(keygenAlgorithm: CertificateAlgorithm): RTCCertificate {
  const algorithm =
    typeof keygenAlgorithm === 'string' ? { name: keygenAlgorithm } : keygenAlgorithm;
  if (algorithm === null || typeof algorithm !== 'object' || algorithm.name === undefined)
    throw new TypeError('keygenAlgorithm needs a name');
  const name = String(algorithm.name);
  if (name.toUpperCase() === 'RSASSA-PKCS1-V1_5')
    throw notSupported('RSASSA-PKCS1-v1_5 certificates');
  if (name.toUpperCase() !== 'ECDSA') throw notSupported(`algorithm ${JSON.stringify(name)}`);
  if (algorithm.namedCurve === undefined) throw new TypeError('ECDSA needs a namedCurve');
  if (String(algorithm.namedCurve) !== 'P-256')
    throw notSupported(`curve ${JSON.stringify(algorithm.namedCurve)}`);
  let expires = DEFAULT_EXPIRES_MS;
  if (algorithm.expires !== undefined) {
    const n = Number(algorithm.expires);
    if (!Number.isFinite(n) || Math.trunc(n) < 0 || Math.trunc(n) > Number.MAX_SAFE_INTEGER)
      throw new TypeError(`expires ${String(algorithm.expires)} is not a time span in ms`);
    expires = Math.min(Math.trunc(n), MAX_EXPIRES_MS);
  }
  return new RTCCertificate(generateCertificate({ expiresInMs: expires }));
}

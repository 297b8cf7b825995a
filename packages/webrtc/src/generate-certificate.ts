/**
 * webrtc-pc `generateCertificate()` (§4.9): the key generation algorithm normalized as
 * WebCrypto does ("normalize an algorithm" for generateKey: names compare case-insensitively,
 * a required member missing is a TypeError), the `expires` member converted as a WebIDL
 * `[EnforceRange] unsigned long long`, then the certificate made by `@x/network`: ECDSA P-256
 * or RSASSA-PKCS1-v1_5 with SHA-256, the two webrtc-pc says every implementation supports.
 */
import { generateCertificate, generateRsaCertificate } from '@x/network';
import { RTCCertificate } from './rtc-types.js';

/**
 * The argument of `generateCertificate()`: a WebCrypto `AlgorithmIdentifier` (a name, or a
 * dictionary of the key generation parameters) with the `RTCCertificateExpiration` member.
 */
export type CertificateAlgorithm =
  | string
  | {
      name: string;
      namedCurve?: string;
      modulusLength?: number;
      publicExponent?: Uint8Array;
      hash?: string | { name: string };
      expires?: number;
      [member: string]: unknown;
    };

/** Default lifetime: 30 days, as browsers give. */
const DEFAULT_EXPIRES_MS = 30 * 24 * 3600 * 1000;
/** webrtc-pc: a user agent may cap the lifetime; 365 days, as Chromium does. */
const MAX_EXPIRES_MS = 365 * 24 * 3600 * 1000;

const notSupported = (what: string): DOMException =>
  new DOMException(
    `${what} is not supported: use { name: 'ECDSA', namedCurve: 'P-256' } or { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }`,
    'NotSupportedError',
  );

/** RSA moduli this stack makes, in bits (as libwebrtc bounds them). */
const RSA_MODULUS = { min: 1024, max: 8192 } as const;

/** Runs the steps; rejects with what the spec names. */
export async function newCertificate(
  keygenAlgorithm: CertificateAlgorithm,
): Promise<RTCCertificate> {
  const algorithm =
    typeof keygenAlgorithm === 'string' ? { name: keygenAlgorithm } : keygenAlgorithm;
  if (algorithm === null || typeof algorithm !== 'object' || algorithm.name === undefined)
    throw new TypeError('keygenAlgorithm needs a name');
  const expiresInMs = expiry(algorithm.expires);
  const name = String(algorithm.name).toUpperCase();
  if (name === 'RSASSA-PKCS1-V1_5') {
    const { modulusLength, publicExponent, hash } = algorithm;
    // WebCrypto RsaHashedKeyGenParams: every member is required.
    if (modulusLength === undefined || publicExponent === undefined || hash === undefined)
      throw new TypeError('RSASSA-PKCS1-v1_5 needs modulusLength, publicExponent and hash');
    if (!(publicExponent instanceof Uint8Array))
      throw new TypeError('publicExponent must be a Uint8Array (a BigInteger)');
    const bits = Number(modulusLength);
    if (!Number.isInteger(bits) || bits < RSA_MODULUS.min || bits > RSA_MODULUS.max)
      throw notSupported(`an RSA modulus of ${String(modulusLength)} bits`);
    // 65537 only, with or without leading zero bytes.
    if (
      Buffer.from(publicExponent)
        .toString('hex')
        .replace(/^(00)+/, '') !== '010001'
    )
      throw notSupported('an RSA public exponent other than 65537');
    const hashName = typeof hash === 'string' ? hash : hash?.name;
    if (String(hashName).toUpperCase() !== 'SHA-256')
      throw notSupported(`hash ${String(hashName)}`);
    return new RTCCertificate(await generateRsaCertificate({ modulusLength: bits, expiresInMs }));
  }
  if (name !== 'ECDSA') throw notSupported(`algorithm ${JSON.stringify(algorithm.name)}`);
  if (algorithm.namedCurve === undefined) throw new TypeError('ECDSA needs a namedCurve');
  if (String(algorithm.namedCurve) !== 'P-256')
    throw notSupported(`curve ${JSON.stringify(algorithm.namedCurve)}`);
  return new RTCCertificate(generateCertificate({ expiresInMs }));
}

/** `expires` as a WebIDL `[EnforceRange] unsigned long long`, capped; the default if absent. */
function expiry(expires: unknown): number {
  if (expires === undefined) return DEFAULT_EXPIRES_MS;
  const n = Number(expires);
  if (!Number.isFinite(n) || Math.trunc(n) < 0 || Math.trunc(n) > Number.MAX_SAFE_INTEGER)
    throw new TypeError(`expires ${String(expires)} is not a time span in ms`);
  return Math.min(Math.trunc(n), MAX_EXPIRES_MS);
}

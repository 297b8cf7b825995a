import {
  createHash,
  createPrivateKey,
  generateKeyPair,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
  X509Certificate,
} from 'node:crypto';
import {
  bitString,
  explicit,
  oid,
  sequence,
  set,
  smallInteger,
  time,
  unsignedInteger,
  utf8String,
} from './der.js';
import { CertificateError } from './errors.js';
import { ownedCopy } from './owned-copy.js';

/** Hash algorithms of certificate fingerprints, as SDP names them (RFC 8122 §5). */
export type FingerprintAlgorithm = 'sha-1' | 'sha-256' | 'sha-384' | 'sha-512';

/** A certificate fingerprint as signaled in SDP `a=fingerprint` (RFC 8122 §5). */
export interface Fingerprint {
  readonly algorithm: FingerprintAlgorithm;
  /** Upper-case hex bytes separated by colons (`AB:CD:...`); compared case-insensitively. */
  readonly value: string;
}

const HASHES: Record<FingerprintAlgorithm, string> = {
  'sha-1': 'sha1',
  'sha-256': 'sha256',
  'sha-384': 'sha384',
  'sha-512': 'sha512',
};

/** The fingerprint of DER certificate bytes with `algorithm` (RFC 8122 §5). */
export function fingerprintOf(
  der: Uint8Array,
  algorithm: FingerprintAlgorithm = 'sha-256',
): Fingerprint {
  const hash = HASHES[algorithm];
  if (!hash) throw new CertificateError(`unknown fingerprint algorithm ${String(algorithm)}`);
  const hex = createHash(hash).update(der).digest('hex').toUpperCase();
  return { algorithm, value: hex.match(/../g)!.join(':') };
}

/**
 * Set by {@link generateCertificate} for the one `new DtlsCertificate` that follows: the end of
 * validity of a certificate this module has just built and signed, which need not be parsed
 * back and checked against its key (X.509 parsing was most of the cost of a new identity).
 */
let justGenerated: Date | undefined;

/** A certificate with its private key: what a DTLS endpoint presents. */
export class DtlsCertificate {
  /** The certificate in DER. */
  readonly der: Buffer;
  /** The matching private key. */
  readonly privateKey: KeyObject;
  /** The certificate's end of validity. */
  readonly expires: Date;

  /** Checks that `der` is X.509 and that `privateKey` is its key ({@link CertificateError}). */
  constructor(der: Uint8Array, privateKey: KeyObject) {
    this.der = ownedCopy(der);
    this.privateKey = privateKey;
    const generated = justGenerated;
    justGenerated = undefined;
    if (generated !== undefined) {
      this.expires = generated;
      return;
    }
    let parsed: X509Certificate;
    try {
      parsed = new X509Certificate(this.der);
    } catch (cause) {
      throw new CertificateError('the certificate is not valid DER X.509', { cause });
    }
    if (!parsed.checkPrivateKey(privateKey))
      throw new CertificateError('the private key does not match the certificate');
    this.expires = new Date(parsed.validTo);
  }

  /** Fingerprints already worked out, by algorithm (the DER never changes). */
  private readonly fingerprints = new Map<FingerprintAlgorithm, Fingerprint>();

  /** This certificate's fingerprint (sha-256 unless asked otherwise), hashed once per algorithm. */
  fingerprint(algorithm: FingerprintAlgorithm = 'sha-256'): Fingerprint {
    let f = this.fingerprints.get(algorithm);
    if (f === undefined) {
      f = fingerprintOf(this.der, algorithm);
      this.fingerprints.set(algorithm, f);
    }
    return f;
  }

  /** The certificate as PEM (`-----BEGIN CERTIFICATE-----`). */
  toPem(): string {
    const b64 = this.der
      .toString('base64')
      .match(/.{1,64}/g)!
      .join('\n');
    return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
  }

  /** The private key as unencrypted PKCS#8 PEM. Keep it secret. */
  privateKeyPem(): string {
    return this.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  }

  /** Loads a certificate and its private key from PEM (ECDSA P-256 for our cipher suites). */
  static fromPem(certificatePem: string, privateKeyPem: string): DtlsCertificate {
    let der: Buffer;
    let key: KeyObject;
    try {
      der = Buffer.from(new X509Certificate(certificatePem).raw);
      key = createPrivateKey(privateKeyPem);
    } catch (cause) {
      throw new CertificateError('cannot read the certificate or key PEM', { cause });
    }
    return new DtlsCertificate(der, key);
  }
}

/** Options of {@link generateCertificate}. */
export interface GenerateCertificateOptions {
  /** Subject and issuer common name. Default `'WebRTC'`. */
  readonly commonName?: string;
  /**
   * Validity from now, in ms. Default 30 days (what browsers use). 0 makes a certificate that
   * expires now (W3C `generateCertificate({ ..., expires: 0 })`).
   */
  readonly expiresInMs?: number;
  /** Wall-clock start of validity. Default: now minus one day (tolerates clock skew). */
  readonly notBefore?: Date;
}

const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2'; // RFC 5758 §3.2
const SHA256_WITH_RSA = '1.2.840.113549.1.1.11'; // RFC 4055 §5 (sha256WithRSAEncryption)
/** DER NULL: the parameters of an RSA signature AlgorithmIdentifier (RFC 4055 §5). */
const DER_NULL = Buffer.from([0x05, 0x00]);

/**
 * Generates a self-signed ECDSA P-256 X.509 v3 certificate (RFC 5280 §4.1) with a random
 * 64-bit serial, signed with ecdsa-with-SHA256, for use as a WebRTC DTLS identity.
 */
export function generateCertificate(options: GenerateCertificateOptions = {}): DtlsCertificate {
  const expiresInMs = checkExpiry(options);
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return selfSigned(privateKey, p256Spki(publicKey), ECDSA_WITH_SHA256, options, expiresInMs);
}

/** Options of {@link generateRsaCertificate}. */
export interface GenerateRsaCertificateOptions extends GenerateCertificateOptions {
  /** RSA modulus length in bits, 1024 to 8192. Default 2048 (the size webrtc-pc requires). */
  readonly modulusLength?: number;
}

/**
 * Generates a self-signed RSA X.509 v3 certificate (public exponent 65537, signed with
 * sha256WithRSAEncryption): the W3C `generateCertificate()` RSASSA-PKCS1-v1_5 identity. The
 * key is made off the event loop (an RSA key takes tens of milliseconds or more). DTLS then
 * uses the ECDHE_RSA suites with it, and signs with RSASSA-PKCS1-v1_5 or RSASSA-PSS, as the
 * peer accepts.
 */
export async function generateRsaCertificate(
  options: GenerateRsaCertificateOptions = {},
): Promise<DtlsCertificate> {
  const expiresInMs = checkExpiry(options);
  const modulusLength = options.modulusLength ?? 2048;
  if (!Number.isInteger(modulusLength) || modulusLength < 1024 || modulusLength > 8192)
    throw new CertificateError(`modulusLength must be 1024 to 8192, got ${modulusLength}`);
  const { privateKey, publicKey } = await new Promise<{
    privateKey: KeyObject;
    publicKey: KeyObject;
  }>((resolve, reject) =>
    generateKeyPair('rsa', { modulusLength, publicExponent: 0x10001 }, (error, pub, priv) =>
      error ? reject(error) : resolve({ privateKey: priv, publicKey: pub }),
    ),
  );
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  return selfSigned(privateKey, spki, SHA256_WITH_RSA, options, expiresInMs);
}

function checkExpiry(options: GenerateCertificateOptions): number {
  const expiresInMs = options.expiresInMs ?? 30 * 24 * 3600 * 1000;
  if (!(expiresInMs >= 0))
    throw new CertificateError(`expiresInMs must be 0 or more, got ${expiresInMs}`);
  return expiresInMs;
}

/** The certificate of `spki`, signed by `privateKey` with `signatureOid` (SHA-256). */
function selfSigned(
  privateKey: KeyObject,
  spki: Buffer,
  signatureOid: string,
  options: GenerateCertificateOptions,
  expiresInMs: number,
): DtlsCertificate {
  const now = Date.now();
  const notBefore = options.notBefore ?? new Date(now - 24 * 3600 * 1000);
  // Whole seconds: what UTCTime and GeneralizedTime carry (RFC 5280 §4.1.2.5).
  const notAfter = new Date(Math.floor((now + expiresInMs) / 1000) * 1000);
  const name = sequence(set(sequence(oid('2.5.4.3'), utf8String(options.commonName ?? 'WebRTC'))));
  const serial = randomBytes(8);
  serial[0]! &= 0x7f;
  serial[0]! |= 0x01;
  const algorithm =
    signatureOid === SHA256_WITH_RSA
      ? sequence(oid(signatureOid), DER_NULL)
      : sequence(oid(signatureOid));
  const tbs = sequence(
    explicit(0, smallInteger(2)), // version v3
    unsignedInteger(serial),
    algorithm,
    name,
    sequence(time(notBefore), time(notAfter)),
    name,
    spki,
  );
  // PKCS #1 v1.5 for an RSA key (node's default padding), ECDSA for an EC key.
  const signature = sign('sha256', tbs, privateKey);
  justGenerated = notAfter;
  return new DtlsCertificate(sequence(tbs, algorithm, bitString(signature)), privateKey);
}

/**
 * The SPKI DER of a P-256 public key. Exported as DER, not as JWK (faster): on Node 20 a JWK
 * export of a key that `generateKeyPairSync` has just made can deadlock the process, since the
 * export holds the key's mutex while it allocates, and a garbage collection at that moment runs
 * the finished key generation job's destructor, which takes the same mutex (measured on Node
 * 20.20: a hang within 20 000 generate-and-export rounds, every run; none in 200 000 with DER).
 */
function p256Spki(publicKey: KeyObject): Buffer {
  return publicKey.export({ type: 'spki', format: 'der' });
}

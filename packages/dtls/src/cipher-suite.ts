import {
  type CipherGCMTypes,
  createCipheriv,
  createDecipheriv,
  createSecretKey,
  type KeyObject,
} from 'node:crypto';
import { DTLS_1_2, RECORD_HEADER } from './constants.js';
import type { PrfHash } from './prf.js';
import { ownedCopy } from './owned-copy.js';

/**
 * The cipher suites this package speaks: ECDHE with an AEAD, authenticated by an ECDSA
 * certificate or (for a peer's certificate only) an RSA one.
 */
export enum CipherSuite {
  /** TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (RFC 5289), the one browsers pick. */
  EcdheEcdsaAes128GcmSha256 = 0xc02b,
  /** TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 (RFC 5289). */
  EcdheEcdsaAes256GcmSha384 = 0xc02c,
  /** TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 (RFC 7905). */
  EcdheEcdsaChacha20Poly1305Sha256 = 0xcca9,
  /**
   * TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (RFC 5289): for a server with an RSA certificate
   * (W3C `generateCertificate()` offers RSASSA-PKCS1-v1_5 to browser applications). Our own
   * certificates are ECDSA, so only our client uses the RSA suites.
   */
  EcdheRsaAes128GcmSha256 = 0xc02f,
  /** TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 (RFC 5289); see {@link CipherSuite.EcdheRsaAes128GcmSha256}. */
  EcdheRsaAes256GcmSha384 = 0xc030,
  /** TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 (RFC 7905); see {@link CipherSuite.EcdheRsaAes128GcmSha256}. */
  EcdheRsaChacha20Poly1305Sha256 = 0xcca8,
}

/** @internal Parameters of a suite's record protection and PRF. */
export interface SuiteParams {
  readonly id: CipherSuite;
  /** The server certificate's key type the suite needs (RFC 8422 §5.3, RFC 5246 §7.4.2). */
  readonly auth: 'ecdsa' | 'rsa';
  readonly cipher: CipherGCMTypes | 'chacha20-poly1305';
  readonly keyLength: number;
  /** Implicit IV bytes from the key block: the GCM salt (4) or ChaCha's whole nonce (12). */
  readonly fixedIvLength: number;
  /** Explicit nonce bytes carried in each record (8 for GCM, RFC 5288 §3; 0 for ChaCha, RFC 7905 §2). */
  readonly explicitNonce: number;
  readonly hash: PrfHash;
}

const ECDSA_SUITES: readonly SuiteParams[] = [
  {
    id: CipherSuite.EcdheEcdsaAes128GcmSha256,
    auth: 'ecdsa',
    cipher: 'aes-128-gcm',
    keyLength: 16,
    fixedIvLength: 4,
    explicitNonce: 8,
    hash: 'sha256',
  },
  {
    id: CipherSuite.EcdheEcdsaAes256GcmSha384,
    auth: 'ecdsa',
    cipher: 'aes-256-gcm',
    keyLength: 32,
    fixedIvLength: 4,
    explicitNonce: 8,
    hash: 'sha384',
  },
  {
    id: CipherSuite.EcdheEcdsaChacha20Poly1305Sha256,
    auth: 'ecdsa',
    cipher: 'chacha20-poly1305',
    keyLength: 32,
    fixedIvLength: 12,
    explicitNonce: 0,
    hash: 'sha256',
  },
];

/** Each RSA suite protects records and derives keys as the ECDSA suite of the same AEAD. */
const RSA_TWINS: ReadonlyArray<readonly [CipherSuite, CipherSuite]> = [
  [CipherSuite.EcdheRsaAes128GcmSha256, CipherSuite.EcdheEcdsaAes128GcmSha256],
  [CipherSuite.EcdheRsaAes256GcmSha384, CipherSuite.EcdheEcdsaAes256GcmSha384],
  [CipherSuite.EcdheRsaChacha20Poly1305Sha256, CipherSuite.EcdheEcdsaChacha20Poly1305Sha256],
];

const SUITES: ReadonlyMap<number, SuiteParams> = new Map<number, SuiteParams>([
  ...ECDSA_SUITES.map((p): [number, SuiteParams] => [p.id, p]),
  ...RSA_TWINS.map(([rsa, ecdsa]): [number, SuiteParams] => [
    rsa,
    { ...ECDSA_SUITES.find((p) => p.id === ecdsa)!, id: rsa, auth: 'rsa' },
  ]),
]);

/** @internal The parameters of `id`, or undefined for a suite this package does not speak. */
export function suiteParams(id: number): SuiteParams | undefined {
  return SUITES.get(id);
}

/**
 * The default suite preference: ECDSA first, AES-128-GCM first, as browsers and libwebrtc
 * order them; then the RSA suites, which a client offers for a server with an RSA certificate
 * (a server picks only suites its own certificate can sign for).
 */
export const DEFAULT_CIPHER_SUITES: readonly CipherSuite[] = [
  CipherSuite.EcdheEcdsaAes128GcmSha256,
  CipherSuite.EcdheEcdsaAes256GcmSha384,
  CipherSuite.EcdheEcdsaChacha20Poly1305Sha256,
  CipherSuite.EcdheRsaAes128GcmSha256,
  CipherSuite.EcdheRsaAes256GcmSha384,
  CipherSuite.EcdheRsaChacha20Poly1305Sha256,
];

const TAG = 16;

const runnable = new Map<string, boolean>();

/**
 * @internal Whether this runtime's `node:crypto` can run `suite`'s AEAD, asked once per cipher.
 * Bun 1.4 has no ChaCha20-Poly1305 (`createCipheriv` throws "Unknown cipher", and `getCiphers()`
 * does not list it; Node and Deno have it): such a suite must be negotiated away, since one
 * that a peer picks would fail on the first protected record, from inside a timer.
 */
export function suiteRunnable(suite: SuiteParams): boolean {
  let ok = runnable.get(suite.cipher);
  if (ok === undefined) {
    try {
      createCipheriv(
        suite.cipher as CipherGCMTypes,
        Buffer.alloc(suite.keyLength),
        Buffer.alloc(12),
        { authTagLength: TAG },
      );
      ok = true;
    } catch {
      ok = false;
    }
    runnable.set(suite.cipher, ok);
  }
  return ok;
}

/** @internal The suite authentication a certificate's key can sign for. */
export function certificateAuth(key: {
  asymmetricKeyType?: string | undefined;
}): 'ecdsa' | 'rsa' | undefined {
  if (key.asymmetricKeyType === 'ec') return 'ecdsa';
  if (key.asymmetricKeyType === 'rsa') return 'rsa';
  return undefined;
}

/**
 * @internal AEAD protection of records for one direction of one epoch (RFC 5246 §6.2.3.3,
 * RFC 6347 §4.1.2.1). The nonce and additional data buffers are allocated once and rewritten
 * for each record; only the output record and node's cipher object are allocated per call.
 */
export class RecordProtection {
  private readonly key: KeyObject;
  private readonly nonce = Buffer.alloc(12);
  private readonly iv: Buffer;
  private readonly aad = Buffer.alloc(13);
  private readonly options = { authTagLength: TAG } as const;
  /** Bytes a record grows by when sealed: explicit nonce plus tag. */
  readonly overhead: number;

  constructor(
    readonly suite: SuiteParams,
    key: Uint8Array,
    iv: Uint8Array,
  ) {
    this.key = createSecretKey(key);
    this.iv = ownedCopy(iv);
    if (suite.explicitNonce) this.iv.copy(this.nonce, 0);
    this.overhead = suite.explicitNonce + TAG;
  }

  /**
   * Writes the nonce for the 8-byte epoch+sequence at `src[at..at+8]`: GCM salt || epoch+seq
   * (RFC 5288 §3, with the record's own sequence number as explicit part, as RFC 9325 advises),
   * or ChaCha's IV XOR the left-padded epoch+seq (RFC 7905 §2).
   */
  private setNonce(src: Buffer, at: number): void {
    const n = this.nonce;
    if (this.suite.explicitNonce) {
      for (let i = 0; i < 8; i++) n[4 + i] = src[at + i]!;
    } else {
      const iv = this.iv;
      n[0] = iv[0]!;
      n[1] = iv[1]!;
      n[2] = iv[2]!;
      n[3] = iv[3]!;
      for (let i = 0; i < 8; i++) n[4 + i] = iv[4 + i]! ^ src[at + i]!;
    }
  }

  /** Seals `data` into a whole record (header included) of `type` at `epoch`/`seq`. */
  seal(type: number, epoch: number, seq: number, data: Uint8Array): Buffer {
    const explicit = this.suite.explicitNonce;
    const length = explicit + data.length + TAG;
    const out = Buffer.allocUnsafe(RECORD_HEADER + length);
    out[0] = type;
    out.writeUInt16BE(DTLS_1_2, 1);
    out.writeUInt16BE(epoch, 3);
    out.writeUInt16BE(Math.floor(seq / 0x100000000), 5);
    out.writeUInt32BE(seq >>> 0, 7);
    out.writeUInt16BE(length, 11);
    const aad = this.aad;
    for (let i = 0; i < 8; i++) aad[i] = out[3 + i]!;
    aad[8] = type;
    aad.writeUInt16BE(DTLS_1_2, 9);
    aad.writeUInt16BE(data.length, 11);
    this.setNonce(out, 3);
    if (explicit) for (let i = 0; i < 8; i++) out[RECORD_HEADER + i] = out[3 + i]!;
    const cipher = createCipheriv(
      this.suite.cipher as CipherGCMTypes,
      this.key,
      this.nonce,
      this.options,
    );
    cipher.setAAD(aad);
    // TypedArray set, not Buffer copy: a copy of part of a buffer allocates a view of it.
    out.set(cipher.update(data), RECORD_HEADER + explicit);
    cipher.final();
    out.set(cipher.getAuthTag(), RECORD_HEADER + explicit + data.length);
    return out;
  }

  /**
   * Opens the record whose header starts at `buf[start]` and whose fragment is
   * `buf[start+13 .. start+13+length]`. Returns the plaintext, or undefined when the record
   * is too short or does not authenticate (a bad MAC is dropped, never thrown: RFC 6347 §4.1.2.7).
   */
  open(buf: Buffer, start: number, length: number): Buffer | undefined {
    const explicit = this.suite.explicitNonce;
    const plainLength = length - explicit - TAG;
    if (plainLength < 0) return undefined;
    const body = start + RECORD_HEADER;
    const aad = this.aad;
    for (let i = 0; i < 8; i++) aad[i] = buf[start + 3 + i]!;
    aad[8] = buf[start]!;
    aad[9] = buf[start + 1]!;
    aad[10] = buf[start + 2]!;
    aad.writeUInt16BE(plainLength, 11);
    if (explicit) for (let i = 0; i < 8; i++) this.nonce[4 + i] = buf[body + i]!;
    else this.setNonce(buf, start + 3);
    const decipher = createDecipheriv(
      this.suite.cipher as CipherGCMTypes,
      this.key,
      this.nonce,
      this.options,
    );
    decipher.setAAD(aad);
    decipher.setAuthTag(buf.subarray(body + explicit + plainLength, body + length));
    const plain = decipher.update(buf.subarray(body + explicit, body + explicit + plainLength));
    try {
      decipher.final();
    } catch {
      return undefined;
    }
    return plain;
  }
}

import {
  createECDH,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { NamedGroup } from './constants.js';
import { ParseError } from './errors.js';

/** @internal One side's ephemeral ECDHE key (RFC 8422 §5.4, §5.10). */
export interface KeyShare {
  readonly group: NamedGroup;
  /** Our public value as sent on the wire (32 bytes for X25519, an uncompressed point for P-256). */
  readonly publicKey: Buffer;
  /** The shared secret with the peer's public value; throws {@link ParseError} on a bad point. */
  computeSecret(peer: Buffer): Buffer;
}

class X25519Share implements KeyShare {
  readonly group = NamedGroup.X25519;
  readonly publicKey: Buffer;
  private readonly privateKey: KeyObject;

  constructor() {
    const pair = generateKeyPairSync('x25519');
    this.privateKey = pair.privateKey;
    // The SPKI DER's last 32 bytes (RFC 8410 §4). Not a JWK export, though faster: right after
    // generateKeyPairSync it can deadlock Node 20 (see p256Spki in certificate.ts).
    const spki = pair.publicKey.export({ type: 'spki', format: 'der' });
    this.publicKey = spki.subarray(spki.length - 32);
  }

  computeSecret(peer: Buffer): Buffer {
    if (peer.length !== 32) throw new ParseError('X25519 public value is not 32 bytes');
    try {
      const x = peer.toString('base64url');
      const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x }, format: 'jwk' });
      return diffieHellman({ privateKey: this.privateKey, publicKey });
    } catch (cause) {
      throw new ParseError('bad X25519 public value', { cause });
    }
  }
}

class P256Share implements KeyShare {
  readonly group = NamedGroup.Secp256r1;
  readonly publicKey: Buffer;
  private readonly ecdh = createECDH('prime256v1');

  constructor() {
    this.publicKey = this.ecdh.generateKeys();
  }

  computeSecret(peer: Buffer): Buffer {
    // RFC 8422 §5.4.1: only the uncompressed form is negotiated.
    if (peer.length !== 65 || peer[0] !== 4)
      throw new ParseError('P-256 point is not uncompressed');
    try {
      return this.ecdh.computeSecret(peer);
    } catch (cause) {
      throw new ParseError('P-256 point is not on the curve', { cause });
    }
  }
}

/** @internal A fresh ephemeral key for `group`. */
export function createKeyShare(group: NamedGroup): KeyShare {
  return group === NamedGroup.X25519 ? new X25519Share() : new P256Share();
}

/** @internal The groups this package speaks, in preference order. */
export const SUPPORTED_GROUPS: readonly NamedGroup[] = [NamedGroup.X25519, NamedGroup.Secp256r1];

/**
 * @internal AEAD_AES_128_GCM and AEAD_AES_256_GCM for SRTP and SRTCP (RFC 7714 §8, §9).
 *
 * node:crypto cannot re-IV a GCM context, so each packet gets its own `createCipheriv` /
 * `createDecipheriv`; the IV is built in a buffer that is reused (Node copies it). Building
 * GCM from a reused ECB cipher would need GHASH in JS, which is far slower than the set-up.
 */
import { type CipherGCMTypes, createCipheriv, createDecipheriv } from 'node:crypto';
import type { SessionKeys } from './key-derivation.js';
import { E_FLAG, type Transform, view } from './transform.js';

const TAG = 16;

/** One direction's AEAD key, with the 12-octet IV whose salt octets are XORed in place. */
class Aead {
  private readonly iv = Buffer.alloc(12);
  private readonly algorithm: CipherGCMTypes;
  private readonly salt2: number;
  private readonly salt6: number;
  private readonly salt8: number;

  constructor(readonly keys: SessionKeys) {
    this.algorithm = keys.encryptionKey.length === 32 ? 'aes-256-gcm' : 'aes-128-gcm';
    const s = keys.salt;
    this.iv.set(s.subarray(0, 2));
    this.salt2 = s.readUInt32BE(2);
    this.salt6 = s.readUInt16BE(6);
    this.salt8 = s.readUInt32BE(8);
  }

  /**
   * RFC 7714 §8.1 (SRTP): `IV = (00 00 || SSRC || ROC || SEQ) XOR salt`; §9.1 (SRTCP):
   * `IV = (00 00 || SSRC || 00 00 || 0 || SRTCP index) XOR salt`. Octets 6-7 and 8-11 are
   * passed as `mid` and `low`.
   */
  private ivFor(ssrc: number, mid: number, low: number): Buffer {
    const iv = this.iv;
    iv.writeUInt32BE((this.salt2 ^ ssrc) >>> 0, 2);
    iv.writeUInt16BE(this.salt6 ^ mid, 6);
    iv.writeUInt32BE((this.salt8 ^ low) >>> 0, 8);
    return iv;
  }

  /** Seals `plain` with `aad` (in up to two pieces) into `out` at `at`, the tag right after it. */
  seal(
    ivMid: number,
    ivLow: number,
    ssrc: number,
    aad: Uint8Array,
    aad2: Uint8Array | undefined,
    plain: Uint8Array,
    out: Buffer,
    at: number,
  ): void {
    const c = createCipheriv(
      this.algorithm,
      this.keys.encryptionKey,
      this.ivFor(ssrc, ivMid, ivLow),
    );
    c.setAAD(aad);
    if (aad2) c.setAAD(aad2);
    out.set(c.update(plain), at);
    c.final();
    c.getAuthTag().copy(out, at + plain.length);
  }

  /** Opens `sealed` (ciphertext then tag); `undefined` when the tag does not verify. */
  open(
    ivMid: number,
    ivLow: number,
    ssrc: number,
    aad: Uint8Array,
    aad2: Uint8Array | undefined,
    sealed: Uint8Array,
  ): Buffer | undefined {
    const end = sealed.length - TAG;
    const d = createDecipheriv(
      this.algorithm,
      this.keys.encryptionKey,
      this.ivFor(ssrc, ivMid, ivLow),
    );
    d.setAAD(aad);
    if (aad2) d.setAAD(aad2);
    d.setAuthTag(view(sealed, end));
    const plain = d.update(view(sealed, 0, end));
    try {
      d.final();
    } catch {
      return undefined;
    }
    return plain;
  }
}

export class AesGcmTransform implements Transform {
  readonly rtpTagLength = TAG;
  readonly rtcpTagLength = TAG;
  private readonly rtp: Aead;
  private readonly rtcp: Aead;

  constructor(rtp: SessionKeys, rtcp: SessionKeys) {
    this.rtp = new Aead(rtp);
    this.rtcp = new Aead(rtcp);
  }

  /** RFC 7714 §8.2: the RTP header is the associated data, the payload the plaintext. */
  protectRtp(packet: Uint8Array, headerSize: number, ssrc: number, roc: number, seq: number) {
    const out = Buffer.allocUnsafe(packet.length + TAG);
    const header = view(packet, 0, headerSize);
    out.set(header);
    this.rtp.seal(
      roc >>> 16,
      ((roc & 0xffff) << 16) | seq,
      ssrc,
      header,
      undefined,
      view(packet, headerSize),
      out,
      headerSize,
    );
    return out;
  }

  unprotectRtp(packet: Uint8Array, headerSize: number, ssrc: number, roc: number, seq: number) {
    const header = view(packet, 0, headerSize);
    const plain = this.rtp.open(
      roc >>> 16,
      ((roc & 0xffff) << 16) | seq,
      ssrc,
      header,
      undefined,
      view(packet, headerSize),
    );
    if (!plain) return undefined;
    const out = Buffer.allocUnsafe(headerSize + plain.length);
    out.set(header);
    out.set(plain, headerSize);
    return out;
  }

  /**
   * RFC 7714 §9.1-§9.2: header (8) | ciphertext | tag | E + SRTCP index (4). Encrypted, the
   * associated data is the first 8 octets and the E + index word; unencrypted (E = 0), it is
   * the whole packet and that word, and the plaintext is empty (§9.3).
   */
  protectRtcp(packet: Uint8Array, ssrc: number, index: number, encrypt: boolean) {
    const length = packet.length;
    const out = Buffer.allocUnsafe(length + TAG + 4);
    out.set(view(packet, 0, encrypt ? 8 : length));
    out.writeUInt32BE((encrypt ? E_FLAG + index : index) >>> 0, length + TAG);
    const trailer = view(out, length + TAG);
    if (encrypt)
      this.rtcp.seal(0, index, ssrc, view(packet, 0, 8), trailer, view(packet, 8), out, 8);
    else this.rtcp.seal(0, index, ssrc, packet, trailer, view(packet, length), out, length);
    return out;
  }

  rtcpTrailerOffset(length: number): number {
    return length - 4;
  }

  unprotectRtcp(packet: Uint8Array, ssrc: number, index: number, encrypted: boolean) {
    const trailerAt = packet.length - 4;
    const trailer = view(packet, trailerAt);
    if (!encrypted) {
      const body = view(packet, 0, trailerAt - TAG);
      const ok = this.rtcp.open(
        0,
        index,
        ssrc,
        body,
        trailer,
        view(packet, trailerAt - TAG, trailerAt),
      );
      return ok ? Buffer.from(body) : undefined;
    }
    const plain = this.rtcp.open(
      0,
      index,
      ssrc,
      view(packet, 0, 8),
      trailer,
      view(packet, 8, trailerAt),
    );
    if (!plain) return undefined;
    const out = Buffer.allocUnsafe(8 + plain.length);
    out.set(view(packet, 0, 8));
    out.set(plain, 8);
    return out;
  }
}

/**
 * @internal AES-128 counter mode with HMAC-SHA1 (RFC 3711 §4.1.1, §4.2.1): the profiles
 * SRTP_AES128_CM_HMAC_SHA1_80 and _32.
 *
 * Why a `createCipheriv('aes-128-ctr')` and a `createHmac('sha1')` per packet: node:crypto
 * cannot re-IV a cipher nor reset an HMAC, and the two ways around that measured slower for
 * 1188-octet payloads (tools/bench/rtp/crypto-choices.mjs, Node 20.20, x64, 2 shared cores,
 * median of 7 interleaved runs of 20 000; figures of the least loaded run):
 *   - AES-CM keystream from one reused `aes-128-ecb` cipher over the packet's counter blocks,
 *     XORed in JS 32 bits at a time: 162 k/s, against 358 k/s for an `aes-128-ctr` cipher per
 *     packet. Writing the counter blocks and the XOR cost far more than the cipher set-up.
 *   - HMAC-SHA1 from precomputed ipad/opad SHA-1 states cloned with `hash.copy()` (RFC 2104):
 *     314 k/s, against 422 k/s for `createHmac` per packet (two hash objects and two clones
 *     cost more than one HMAC set-up).
 *   - A `KeyObject` instead of the key octets: no consistent difference (+16 % in one run,
 *     -6 to -16 % in three others).
 * The protect + unprotect of a 1200-octet packet measures at 83-94 % of the bare
 * `aes-128-ctr` + `createHmac` loop (tools/bench/rtp/bench.mjs).
 */
import { createCipheriv, createHmac } from 'node:crypto';
import type { SessionKeys } from './key-derivation.js';
import { E_FLAG, type Transform, tagsEqual, view } from './transform.js';

/** One direction's counter-mode keys, with the IV whose constant octets are written once. */
class CounterMode {
  private readonly iv = Buffer.alloc(16);
  private readonly salt4: number;
  private readonly salt8: number;
  private readonly salt12: number;

  constructor(readonly keys: SessionKeys) {
    const s = keys.salt;
    this.iv.set(s.subarray(0, 4));
    this.salt4 = s.readUInt32BE(4);
    this.salt8 = s.readUInt32BE(8);
    this.salt12 = s.readUInt16BE(12);
  }

  /**
   * RFC 3711 §4.1.1: `IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16)`, where the 48-bit
   * index `i` is given as its high 32 and low 16 bits; the last two octets count blocks.
   */
  cipher(ssrc: number, high: number, low: number, data: Uint8Array): Buffer {
    const iv = this.iv;
    iv.writeUInt32BE((this.salt4 ^ ssrc) >>> 0, 4);
    iv.writeUInt32BE((this.salt8 ^ high) >>> 0, 8);
    iv.writeUInt16BE(this.salt12 ^ low, 12);
    // Counter mode has nothing left for final(): update() returns every octet.
    return createCipheriv('aes-128-ctr', this.keys.encryptionKey, iv).update(data);
  }
}

export class AesCmTransform implements Transform {
  private readonly rtp: CounterMode;
  private readonly rtcp: CounterMode;
  private readonly roc = Buffer.alloc(4);

  constructor(
    rtp: SessionKeys,
    rtcp: SessionKeys,
    readonly rtpTagLength: number,
    readonly rtcpTagLength: number,
  ) {
    this.rtp = new CounterMode(rtp);
    this.rtcp = new CounterMode(rtcp);
  }

  /** RFC 3711 §4.2: the HMAC-SHA1 of the authenticated portion, followed by the ROC for SRTP. */
  private mac(keys: SessionKeys, data: Uint8Array, roc: number | undefined): Buffer {
    const h = createHmac('sha1', keys.authenticationKey).update(data);
    if (roc !== undefined) {
      this.roc.writeUInt32BE(roc);
      h.update(this.roc);
    }
    return h.digest();
  }

  protectRtp(packet: Uint8Array, headerSize: number, ssrc: number, roc: number, seq: number) {
    const length = packet.length;
    const out = Buffer.allocUnsafe(length + this.rtpTagLength);
    out.set(view(packet, 0, headerSize));
    out.set(this.rtp.cipher(ssrc, roc, seq, view(packet, headerSize)), headerSize);
    this.mac(this.rtp.keys, view(out, 0, length), roc).copy(out, length, 0, this.rtpTagLength);
    return out;
  }

  unprotectRtp(packet: Uint8Array, headerSize: number, ssrc: number, roc: number, seq: number) {
    const end = packet.length - this.rtpTagLength;
    // RFC 3711 §3.3: authenticate before decrypting.
    const mac = this.mac(this.rtp.keys, view(packet, 0, end), roc);
    if (!tagsEqual(mac, packet, end, this.rtpTagLength)) return undefined;
    const out = Buffer.allocUnsafe(end);
    out.set(view(packet, 0, headerSize));
    out.set(this.rtp.cipher(ssrc, roc, seq, view(packet, headerSize, end)), headerSize);
    return out;
  }

  /** RFC 3711 §3.4: header (8) | encrypted portion | E + SRTCP index (4) | tag. */
  protectRtcp(packet: Uint8Array, ssrc: number, index: number, encrypt: boolean) {
    const length = packet.length;
    const out = Buffer.allocUnsafe(length + 4 + this.rtcpTagLength);
    if (encrypt) {
      out.set(view(packet, 0, 8));
      out.set(this.rtcp.cipher(ssrc, index >>> 16, index & 0xffff, view(packet, 8)), 8);
    } else out.set(packet);
    out.writeUInt32BE((encrypt ? E_FLAG + index : index) >>> 0, length);
    this.mac(this.rtcp.keys, view(out, 0, length + 4), undefined).copy(
      out,
      length + 4,
      0,
      this.rtcpTagLength,
    );
    return out;
  }

  rtcpTrailerOffset(length: number): number {
    return length - this.rtcpTagLength - 4;
  }

  unprotectRtcp(packet: Uint8Array, ssrc: number, index: number, encrypted: boolean) {
    const end = packet.length - this.rtcpTagLength;
    const mac = this.mac(this.rtcp.keys, view(packet, 0, end), undefined);
    if (!tagsEqual(mac, packet, end, this.rtcpTagLength)) return undefined;
    const body = end - 4;
    const out = Buffer.allocUnsafe(body);
    if (encrypted) {
      out.set(view(packet, 0, 8));
      out.set(this.rtcp.cipher(ssrc, index >>> 16, index & 0xffff, view(packet, 8, body)), 8);
    } else out.set(view(packet, 0, body));
    return out;
  }
}

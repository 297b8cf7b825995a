/**
 * STUN message decoding, RFC 8489 §5 and §14. {@link decodeStun} indexes the attributes of a
 * datagram without copying it: every accessor reads from (or returns a view of) the original
 * buffer. Malformed input yields `undefined`, never an exception.
 */
import type { SocketAddress } from '@x/transport';
import { readAddress } from './address.js';
import {
  HEADER_LENGTH,
  KNOWN_ATTRIBUTES,
  MAGIC_COOKIE,
  StunAttr,
  type StunClass,
} from './constants.js';

/** ERROR-CODE value, RFC 8489 §14.8. */
export interface StunErrorCode {
  readonly code: number;
  readonly reason: string;
}

/**
 * A decoded STUN message: a view over the bytes it was decoded from. The message is only valid
 * as long as those bytes are (a datagram handler's buffer may be reused after it returns).
 */
export class StunMessage {
  /** Message type (method and class bits). */
  readonly type: number;
  /** The method (12 bits), e.g. `StunMethod.Binding`. */
  readonly method: number;
  /** The class (request, indication, success or error response). */
  readonly cls: StunClass;
  /** Offsets (into `raw`) of each attribute's header, in order. */
  private readonly offsets: number[];
  /** Offset of MESSAGE-INTEGRITY's header, or -1. */
  readonly integrityOffset: number;
  /** Offset of MESSAGE-INTEGRITY-SHA256's header, or -1. */
  readonly integritySha256Offset: number;
  /** Offset of FINGERPRINT's header, or -1. */
  readonly fingerprintOffset: number;

  /** @internal use `decodeStun()`. */
  constructor(
    /** The message bytes (header and attributes), a view of the datagram. */
    readonly raw: Buffer,
    offsets: number[],
    integrityOffset: number,
    integritySha256Offset: number,
    fingerprintOffset: number,
  ) {
    this.type = raw.readUInt16BE(0);
    const t = this.type;
    this.method = (t & 0x000f) | ((t & 0x00e0) >> 1) | ((t & 0x3e00) >> 2);
    this.cls = (((t >> 4) & 1) | ((t >> 7) & 2)) as StunClass;
    this.offsets = offsets;
    this.integrityOffset = integrityOffset;
    this.integritySha256Offset = integritySha256Offset;
    this.fingerprintOffset = fingerprintOffset;
  }

  /** The 96-bit transaction id (a view). */
  get transactionId(): Buffer {
    return this.raw.subarray(8, 20);
  }

  /** The transaction id as a 24-character hex string (a map key). */
  get transactionKey(): string {
    return this.raw.toString('hex', 8, 20);
  }

  /** Types of the attributes, in order (duplicates included). */
  get attributeTypes(): number[] {
    return this.offsets.map((o) => this.raw.readUInt16BE(o));
  }

  private find(type: number): number {
    const raw = this.raw;
    for (const o of this.offsets) if (raw.readUInt16BE(o) === type) return o;
    return -1;
  }

  /** True when the attribute is present. */
  has(type: StunAttr | number): boolean {
    return this.find(type) >= 0;
  }

  /** The value of the first attribute of `type` (a view, without padding), or undefined. */
  get(type: StunAttr | number): Buffer | undefined {
    const o = this.find(type);
    if (o < 0) return undefined;
    return this.raw.subarray(o + 4, o + 4 + this.raw.readUInt16BE(o + 2));
  }

  /** The value as UTF-8 text (USERNAME, REALM, NONCE, SOFTWARE). */
  getString(type: StunAttr | number): string | undefined {
    const o = this.find(type);
    if (o < 0) return undefined;
    return this.raw.toString('utf8', o + 4, o + 4 + this.raw.readUInt16BE(o + 2));
  }

  /** A 32-bit value (PRIORITY, LIFETIME, FINGERPRINT...), or undefined if absent or not 4 bytes. */
  getUint32(type: StunAttr | number): number | undefined {
    const o = this.find(type);
    if (o < 0 || this.raw.readUInt16BE(o + 2) !== 4) return undefined;
    return this.raw.readUInt32BE(o + 4);
  }

  /** A 64-bit value (ICE-CONTROLLING / ICE-CONTROLLED tie-breaker), or undefined. */
  getUint64(type: StunAttr | number): bigint | undefined {
    const o = this.find(type);
    if (o < 0 || this.raw.readUInt16BE(o + 2) !== 8) return undefined;
    return this.raw.readBigUInt64BE(o + 4);
  }

  /** XOR-MAPPED-ADDRESS, XOR-PEER-ADDRESS or XOR-RELAYED-ADDRESS (RFC 8489 §14.2). */
  getXorAddress(type: StunAttr | number = StunAttr.XorMappedAddress): SocketAddress | undefined {
    const o = this.find(type);
    if (o < 0) return undefined;
    return readAddress(this.raw, o + 4, this.raw.readUInt16BE(o + 2), true, 8);
  }

  /** MAPPED-ADDRESS or ALTERNATE-SERVER (RFC 8489 §14.1). */
  getAddress(type: StunAttr | number = StunAttr.MappedAddress): SocketAddress | undefined {
    const o = this.find(type);
    if (o < 0) return undefined;
    return readAddress(this.raw, o + 4, this.raw.readUInt16BE(o + 2), false, 8);
  }

  /** ERROR-CODE (RFC 8489 §14.8), or undefined if absent or malformed. */
  getErrorCode(): StunErrorCode | undefined {
    const v = this.get(StunAttr.ErrorCode);
    if (v === undefined || v.length < 4) return undefined;
    const cls = v[2]! & 0x07;
    const num = v[3]!;
    if (cls < 3 || cls > 6 || num > 99) return undefined;
    return { code: cls * 100 + num, reason: v.toString('utf8', 4) };
  }

  /** UNKNOWN-ATTRIBUTES (RFC 8489 §14.9). */
  getUnknownAttributes(): number[] | undefined {
    const v = this.get(StunAttr.UnknownAttributes);
    if (v === undefined) return undefined;
    const out: number[] = [];
    for (let i = 0; i + 1 < v.length; i += 2) out.push(v.readUInt16BE(i));
    return out;
  }

  /**
   * Comprehension-required attributes (`type < 0x8000`) this package does not know: a request
   * carrying any must be answered with 420 listing them (RFC 8489 §6.3.1).
   */
  unknownComprehensionRequired(): number[] {
    const out: number[] = [];
    for (const o of this.offsets) {
      const t = this.raw.readUInt16BE(o);
      if (t < 0x8000 && !KNOWN_ATTRIBUTES.has(t)) out.push(t);
    }
    return out;
  }
}

/**
 * Quick test that a datagram is a STUN message (two leading zero bits, RFC 8489 §5, and the
 * magic cookie), before `decodeStun()` looks further. RFC 7983 §7 demultiplexes WebRTC
 * datagrams the same way (first byte 0..3 for the methods in use).
 */
export function isStun(buf: Uint8Array): boolean {
  return (
    buf.length >= HEADER_LENGTH &&
    (buf[0]! & 0xc0) === 0 &&
    buf[4] === 0x21 &&
    buf[5] === 0x12 &&
    buf[6] === 0xa4 &&
    buf[7] === 0x42
  );
}

/**
 * Decodes a STUN message from `buf` (a view is kept, nothing is copied). Returns undefined for
 * anything malformed: wrong leading bits, bad cookie, length not a multiple of 4 or past the
 * datagram, an attribute overrunning the message. Attributes after MESSAGE-INTEGRITY (other
 * than MESSAGE-INTEGRITY-SHA256 and FINGERPRINT) and after FINGERPRINT are ignored (RFC 8489
 * §14.5, §14.6, §14.7).
 */
export function decodeStun(buf: Buffer): StunMessage | undefined {
  if (buf.length < HEADER_LENGTH || (buf[0]! & 0xc0) !== 0) return undefined;
  const length = buf.readUInt16BE(2);
  if ((length & 3) !== 0 || HEADER_LENGTH + length > buf.length) return undefined;
  if (buf.readUInt32BE(4) !== MAGIC_COOKIE) return undefined;
  const end = HEADER_LENGTH + length;
  const raw = end === buf.length ? buf : buf.subarray(0, end);
  const offsets: number[] = [];
  let mi = -1;
  let mi256 = -1;
  let fp = -1;
  let o = HEADER_LENGTH;
  while (o < end) {
    if (o + 4 > end) return undefined;
    const type = raw.readUInt16BE(o);
    const len = raw.readUInt16BE(o + 2);
    const next = o + 4 + ((len + 3) & ~3);
    if (next > end) return undefined;
    if (fp < 0) {
      if (type === StunAttr.Fingerprint) {
        if (len !== 4) return undefined;
        fp = o;
        offsets.push(o);
      } else if (type === StunAttr.MessageIntegritySha256) {
        if (mi256 < 0) {
          if (len < 16 || len > 32 || (len & 3) !== 0) return undefined;
          mi256 = o;
          offsets.push(o);
        }
      } else if (mi < 0 && mi256 < 0) {
        if (type === StunAttr.MessageIntegrity) {
          if (len !== 20) return undefined;
          mi = o;
        }
        offsets.push(o);
      }
    }
    o = next;
  }
  return new StunMessage(raw, offsets, mi, mi256, fp);
}

/**
 * STUN message encoding, RFC 8489 §5 and §14: attributes are written straight into one buffer,
 * which is sealed with MESSAGE-INTEGRITY(-SHA256) and FINGERPRINT by {@link StunWriter.finish}.
 */
import { randomFillSync } from 'node:crypto';
import { StunEncodeError } from '../errors.js';
import { writeAddress } from './address.js';
import { HEADER_LENGTH, MAGIC_COOKIE, StunAttr, type StunClass, messageType } from './constants.js';
import { computeFingerprint, computeIntegrity, computeIntegritySha256 } from './integrity.js';

/** Random bytes drawn 4 KiB at a time: one call into the CSPRNG per 341 ids, not per id. */
const pool = Buffer.allocUnsafe(4092);
let poolAt = pool.length;

/** A fresh random 96-bit transaction id (RFC 8489 §5). */
export function newTransactionId(): Buffer {
  if (poolAt === pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const id = Buffer.allocUnsafe(12);
  pool.copy(id, 0, poolAt, poolAt + 12);
  poolAt += 12;
  return id;
}

/** Options of `StunWriter.finish()`. */
export interface FinishOptions {
  /** Adds MESSAGE-INTEGRITY with this key (a short-term password as UTF-8, or a long-term key). */
  readonly integrity?: Uint8Array | string;
  /** Adds MESSAGE-INTEGRITY-SHA256 with this key. */
  readonly integritySha256?: Uint8Array | string;
  /** Adds FINGERPRINT (RFC 8489 §14.7). */
  readonly fingerprint?: boolean;
}

/** Builds one STUN message. */
export class StunWriter {
  private buf: Buffer;
  private length = HEADER_LENGTH;
  /** The transaction id written in the header (a view of the message). */
  readonly transactionId: Buffer;

  constructor(
    method: number,
    cls: StunClass,
    transactionId: Uint8Array = newTransactionId(),
    capacity = 256,
  ) {
    if (transactionId.length !== 12) {
      throw new StunEncodeError(`transaction id must be 12 bytes, got ${transactionId.length}`);
    }
    if (method < 0 || method > 0xfff) throw new StunEncodeError(`method ${method} out of range`);
    this.buf = Buffer.allocUnsafe(Math.max(capacity, 64));
    this.buf.writeUInt16BE(messageType(method, cls), 0);
    this.buf.writeUInt16BE(0, 2);
    this.buf.writeUInt32BE(MAGIC_COOKIE, 4);
    this.buf.set(transactionId, 8);
    this.transactionId = this.buf.subarray(8, 20);
  }

  private reserve(valueLength: number): number {
    if (valueLength > 0xffff) throw new StunEncodeError(`attribute value of ${valueLength} bytes`);
    const need = this.length + 4 + ((valueLength + 3) & ~3);
    if (need > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
      this.buf.copy(grown, 0, 0, this.length);
      this.buf = grown;
      (this as { transactionId: Buffer }).transactionId = grown.subarray(8, 20);
    }
    return this.length;
  }

  private commit(at: number, type: number, valueLength: number): this {
    this.buf.writeUInt16BE(type, at);
    this.buf.writeUInt16BE(valueLength, at + 2);
    const padded = (valueLength + 3) & ~3;
    this.buf.fill(0, at + 4 + valueLength, at + 4 + padded);
    this.length = at + 4 + padded;
    return this;
  }

  /** Adds an attribute with raw bytes. */
  addBytes(type: StunAttr | number, value: Uint8Array): this {
    const at = this.reserve(value.length);
    this.buf.set(value, at + 4);
    return this.commit(at, type, value.length);
  }

  /** Adds a UTF-8 text attribute (USERNAME, REALM, NONCE, SOFTWARE). */
  addString(type: StunAttr | number, value: string): this {
    const n = Buffer.byteLength(value, 'utf8');
    const at = this.reserve(n);
    this.buf.write(value, at + 4, 'utf8');
    return this.commit(at, type, n);
  }

  /** Adds a 32-bit attribute (PRIORITY, LIFETIME, REQUESTED-TRANSPORT...). */
  addUint32(type: StunAttr | number, value: number): this {
    const at = this.reserve(4);
    this.buf.writeUInt32BE(value >>> 0, at + 4);
    return this.commit(at, type, 4);
  }

  /** Adds a 64-bit attribute (ICE-CONTROLLING, ICE-CONTROLLED). */
  addUint64(type: StunAttr | number, value: bigint): this {
    const at = this.reserve(8);
    this.buf.writeBigUInt64BE(BigInt.asUintN(64, value), at + 4);
    return this.commit(at, type, 8);
  }

  /** Adds an attribute with no value (USE-CANDIDATE, DONT-FRAGMENT). */
  addFlag(type: StunAttr | number): this {
    return this.commit(this.reserve(0), type, 0);
  }

  /** Adds XOR-MAPPED-ADDRESS (or XOR-PEER/RELAYED-ADDRESS), RFC 8489 §14.2. */
  addXorAddress(type: StunAttr | number, address: string, port: number): this {
    const at = this.reserve(20);
    const n = writeAddress(this.buf, at + 4, address, port, true, this.transactionId);
    if (n < 0) throw new StunEncodeError(`not an IP address: ${address}`);
    return this.commit(at, type, n);
  }

  /** Adds MAPPED-ADDRESS (or ALTERNATE-SERVER), RFC 8489 §14.1. */
  addAddress(type: StunAttr | number, address: string, port: number): this {
    const at = this.reserve(20);
    const n = writeAddress(this.buf, at + 4, address, port, false, this.transactionId);
    if (n < 0) throw new StunEncodeError(`not an IP address: ${address}`);
    return this.commit(at, type, n);
  }

  /** Adds ERROR-CODE, RFC 8489 §14.8. */
  addErrorCode(code: number, reason = ''): this {
    if (code < 300 || code > 699) throw new StunEncodeError(`error code ${code} out of range`);
    const n = 4 + Buffer.byteLength(reason, 'utf8');
    const at = this.reserve(n);
    this.buf.writeUInt16BE(0, at + 4);
    this.buf[at + 6] = Math.floor(code / 100);
    this.buf[at + 7] = code % 100;
    this.buf.write(reason, at + 8, 'utf8');
    return this.commit(at, StunAttr.ErrorCode, n);
  }

  /** Adds UNKNOWN-ATTRIBUTES, RFC 8489 §14.9. */
  addUnknownAttributes(types: readonly number[]): this {
    const at = this.reserve(types.length * 2);
    for (let i = 0; i < types.length; i++) this.buf.writeUInt16BE(types[i]!, at + 4 + 2 * i);
    return this.commit(at, StunAttr.UnknownAttributes, types.length * 2);
  }

  /** Seals the message and returns its bytes (a view of the writer's buffer, never reused). */
  finish(options: FinishOptions = {}): Buffer {
    const { integrity, integritySha256, fingerprint } = options;
    if (integrity !== undefined) {
      const key = typeof integrity === 'string' ? Buffer.from(integrity, 'utf8') : integrity;
      const at = this.reserve(20);
      this.buf.writeUInt16BE(at + 24 - HEADER_LENGTH, 2);
      computeIntegrity(key, this.buf, at).copy(this.buf, at + 4);
      this.commit(at, StunAttr.MessageIntegrity, 20);
    }
    if (integritySha256 !== undefined) {
      const key =
        typeof integritySha256 === 'string'
          ? Buffer.from(integritySha256, 'utf8')
          : integritySha256;
      const at = this.reserve(32);
      computeIntegritySha256(key, this.buf, at, 32).copy(this.buf, at + 4);
      this.commit(at, StunAttr.MessageIntegritySha256, 32);
    }
    if (fingerprint) {
      const at = this.reserve(4);
      this.buf.writeUInt32BE(computeFingerprint(this.buf, at), at + 4);
      this.commit(at, StunAttr.Fingerprint, 4);
    }
    this.buf.writeUInt16BE(this.length - HEADER_LENGTH, 2);
    return this.buf.subarray(0, this.length);
  }
}

import { ParseError } from './errors.js';

/**
 * @internal A cursor over network bytes. Every read checks bounds and throws {@link ParseError}
 * (caught at the transport's boundary), so decoders stay short and can never read past the end.
 */
export class Reader {
  pos: number;

  constructor(
    readonly buf: Buffer,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number): void {
    if (this.pos + n > this.end) throw new ParseError(`truncated: need ${n} bytes at ${this.pos}`);
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  u24(): number {
    this.need(3);
    const v = this.buf.readUIntBE(this.pos, 3);
    this.pos += 3;
    return v;
  }

  /** A view (no copy) of the next `n` bytes. */
  bytes(n: number): Buffer {
    this.need(n);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** A vector with a 1-, 2- or 3-byte length prefix (RFC 5246 §4.3), as a view. */
  vec(lengthBytes: 1 | 2 | 3): Buffer {
    const n = lengthBytes === 1 ? this.u8() : lengthBytes === 2 ? this.u16() : this.u24();
    return this.bytes(n);
  }

  /** Throws unless every byte was consumed. */
  done(): void {
    if (this.pos !== this.end) throw new ParseError(`${this.end - this.pos} trailing bytes`);
  }
}

/** @internal A 1-, 2- or 3-byte length prefix followed by `body`. */
export function vector(lengthBytes: 1 | 2 | 3, body: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(lengthBytes + body.length);
  out.writeUIntBE(body.length, 0, lengthBytes);
  out.set(body, lengthBytes);
  return out;
}

/** @internal A big-endian 16-bit value. */
export function u16(value: number): Buffer {
  const out = Buffer.allocUnsafe(2);
  out.writeUInt16BE(value, 0);
  return out;
}

/** @internal A list of 16-bit values with a 2-byte byte-length prefix. */
export function u16List(values: readonly number[]): Buffer {
  const out = Buffer.allocUnsafe(2 + values.length * 2);
  out.writeUInt16BE(values.length * 2, 0);
  for (let i = 0; i < values.length; i++) out.writeUInt16BE(values[i]!, 2 + i * 2);
  return out;
}

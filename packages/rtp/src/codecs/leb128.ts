/**
 * LEB128, the variable-length unsigned integer of the AV1 bitstream (AV1 specification §4.10.5)
 * and of the AV1 RTP payload's OBU element lengths (AV1 RTP specification §4.3).
 */

/** The largest value this module encodes or accepts: 2^32 - 1, the AV1 limit for `obu_size`. */
export const LEB128_MAX = 0xffff_ffff;

/**
 * Reads a LEB128 value at `offset`. Returns the value and sets `leb128Read.length` to the number
 * of bytes it used, or returns -1 when the bytes run out, the value takes more than 8 bytes
 * (AV1 §4.10.5) or exceeds {@link LEB128_MAX}.
 */
export function readLeb128(data: Uint8Array, offset: number, end: number = data.length): number {
  let value = 0;
  for (let i = 0; i < 8; i++) {
    const at = offset + i;
    if (at >= end) return -1;
    const byte = data[at]!;
    value += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) {
      leb128Read.length = i + 1;
      return value > LEB128_MAX ? -1 : value;
    }
  }
  return -1;
}

/** The byte count of the last successful {@link readLeb128}; read it right after the call. */
export const leb128Read = { length: 0 };

/** The number of bytes the LEB128 encoding of `value` takes (1 for 0). */
export function leb128Size(value: number): number {
  let size = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 128);
    size++;
  }
  return size;
}

/** Writes `value` as LEB128 at `offset` in its shortest form; returns the offset after it. */
export function writeLeb128(out: Uint8Array, offset: number, value: number): number {
  while (value >= 0x80) {
    out[offset++] = (value & 0x7f) | 0x80;
    value = Math.floor(value / 128);
  }
  out[offset++] = value;
  return offset;
}

/**
 * CRC32c (Castagnoli), the SCTP checksum (RFC 9260 §6.8 and Appendix A), table-driven:
 * sixteen 256-entry tables let the main loop consume sixteen bytes (four aligned 32-bit
 * words) per step (slicing-by-16), and eight bytes per step where words cannot be used.
 */

const POLY = 0x82f63b78; // reflected Castagnoli polynomial 0x1EDC6F41

const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

const TABLES: Int32Array = (() => {
  const t = new Int32Array(16 * 256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[i] = c;
  }
  for (let i = 0; i < 256; i++) {
    let c = t[i]!;
    for (let s = 1; s < 16; s++) {
      c = (c >>> 8) ^ t[c & 0xff]!;
      t[s * 256 + i] = c;
    }
  }
  return t;
})();

/**
 * The 32-bit words of the last buffer read, kept for the next call: an association builds
 * every packet it sends in one buffer, whose view is then made once, not once per packet.
 */
let wordsBuffer: ArrayBufferLike | undefined;
let words: Int32Array<ArrayBufferLike> = new Int32Array(0);

/**
 * An Int32Array over the whole of `buffer` (its last 0–3 bytes left out), with at least
 * `needed` words: made again for another buffer, or for the same one grown (resizable).
 */
function wordsOf(buffer: ArrayBufferLike, needed: number): Int32Array {
  if (buffer !== wordsBuffer || words.length < needed) {
    wordsBuffer = buffer;
    words = new Int32Array(buffer, 0, buffer.byteLength >>> 2);
  }
  return words;
}

/**
 * Continues a CRC32c over `data[start, end)`. `crc` is the running value in its internal
 * (inverted) form: start with `0xffffffff` and finish with `~crc >>> 0`.
 */
export function crc32cUpdate(crc: number, data: Uint8Array, start: number, end: number): number {
  const t = TABLES;
  let i = start;
  // Head bytes until the position is 4-byte aligned in memory, so that the body can be read
  // as 32-bit words (two loads per eight bytes instead of eight).
  if (LITTLE_ENDIAN && end - start >= 64) {
    while ((data.byteOffset + i) & 3) {
      crc = (crc >>> 8) ^ t[(crc ^ data[i]!) & 0xff]!;
      i++;
    }
    // Sixteen bytes (four words) per step with sixteen tables (slicing-by-16).
    const blocks = (end - i) >>> 4;
    const first = (data.byteOffset + i) >>> 2;
    const stop = first + blocks * 4;
    const w = wordsOf(data.buffer, stop);
    for (let k = first; k < stop; k += 4) {
      const a = crc ^ w[k]!;
      const b = w[k + 1]!;
      const c = w[k + 2]!;
      const d = w[k + 3]!;
      crc =
        t[3840 + (a & 0xff)]! ^
        t[3584 + ((a >>> 8) & 0xff)]! ^
        t[3328 + ((a >>> 16) & 0xff)]! ^
        t[3072 + (a >>> 24)]! ^
        t[2816 + (b & 0xff)]! ^
        t[2560 + ((b >>> 8) & 0xff)]! ^
        t[2304 + ((b >>> 16) & 0xff)]! ^
        t[2048 + (b >>> 24)]! ^
        t[1792 + (c & 0xff)]! ^
        t[1536 + ((c >>> 8) & 0xff)]! ^
        t[1280 + ((c >>> 16) & 0xff)]! ^
        t[1024 + (c >>> 24)]! ^
        t[768 + (d & 0xff)]! ^
        t[512 + ((d >>> 8) & 0xff)]! ^
        t[256 + ((d >>> 16) & 0xff)]! ^
        t[d >>> 24]!;
    }
    i += blocks * 16;
  }
  // Eight bytes per step while at least eight remain.
  const last8 = end - 8;
  while (i <= last8) {
    const a = crc ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
    const b = data[i + 4]! | (data[i + 5]! << 8) | (data[i + 6]! << 16) | (data[i + 7]! << 24);
    crc =
      t[1792 + (a & 0xff)]! ^
      t[1536 + ((a >>> 8) & 0xff)]! ^
      t[1280 + ((a >>> 16) & 0xff)]! ^
      t[1024 + (a >>> 24)]! ^
      t[768 + (b & 0xff)]! ^
      t[512 + ((b >>> 8) & 0xff)]! ^
      t[256 + ((b >>> 16) & 0xff)]! ^
      t[b >>> 24]!;
    i += 8;
  }
  while (i < end) {
    crc = (crc >>> 8) ^ t[(crc ^ data[i]!) & 0xff]!;
    i++;
  }
  return crc;
}

/** The CRC32c of `data` (from `start`, to `end`, defaults: the whole array). */
export function crc32c(data: Uint8Array, start = 0, end = data.length): number {
  return ~crc32cUpdate(0xffffffff, data, start, end) >>> 0;
}

const ZEROS = new Uint8Array(4);

/**
 * The SCTP checksum of a whole packet: the CRC32c computed as if the checksum field (bytes 8
 * to 11) were zero, without touching the packet (RFC 9260 §6.8).
 */
export function sctpChecksum(packet: Uint8Array): number {
  let crc = crc32cUpdate(0xffffffff, packet, 0, 8);
  crc = crc32cUpdate(crc, ZEROS, 0, 4);
  crc = crc32cUpdate(crc, packet, 12, packet.length);
  return ~crc >>> 0;
}

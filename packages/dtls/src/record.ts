import { DTLS_1_0, DTLS_1_2, RECORD_HEADER } from './constants.js';

/** @internal Largest plaintext a record may carry (RFC 5246 §6.2.1: 2^14). */
export const MAX_PLAINTEXT = 16_384;

/** @internal A record header, read in place. */
export interface RecordHeader {
  type: number;
  version: number;
  epoch: number;
  /** 48-bit sequence number (exact in a double). */
  seq: number;
  /** Offset of the record's first byte in the datagram. */
  start: number;
  /** Length of the fragment that follows the 13-byte header. */
  length: number;
}

/**
 * @internal Reads the record header at `buf[start]` into `out` (reused by the caller, no
 * allocation). Returns false when the header is truncated, its length runs past the datagram,
 * or the version is not DTLS 1.0/1.2 (RFC 6347 §4.1: such records are silently discarded).
 */
export function readRecordHeader(buf: Buffer, start: number, out: RecordHeader): boolean {
  if (buf.length - start < RECORD_HEADER) return false;
  const version = buf.readUInt16BE(start + 1);
  if (version !== DTLS_1_2 && version !== DTLS_1_0) return false;
  const length = buf.readUInt16BE(start + 11);
  if (start + RECORD_HEADER + length > buf.length) return false;
  out.type = buf[start]!;
  out.version = version;
  out.epoch = buf.readUInt16BE(start + 3);
  out.seq = buf.readUInt16BE(start + 5) * 0x100000000 + buf.readUInt32BE(start + 7);
  out.start = start;
  out.length = length;
  return true;
}

/** @internal A plaintext (epoch 0) record: header then `data`. */
export function plainRecord(
  type: number,
  epoch: number,
  seq: number,
  data: Uint8Array,
  version = DTLS_1_2,
): Buffer {
  const out = Buffer.allocUnsafe(RECORD_HEADER + data.length);
  out[0] = type;
  out.writeUInt16BE(version, 1);
  out.writeUInt16BE(epoch, 3);
  out.writeUInt16BE(Math.floor(seq / 0x100000000), 5);
  out.writeUInt32BE(seq >>> 0, 7);
  out.writeUInt16BE(data.length, 11);
  out.set(data, RECORD_HEADER);
  return out;
}

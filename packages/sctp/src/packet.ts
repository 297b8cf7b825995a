/**
 * The SCTP common header and whole packets (RFC 9260 §3.1): decode (never throws), encode,
 * checksum with CRC32c or the zero checksum of RFC 9653.
 */

import { type Chunk, chunkSize, decodeChunkAt, encodeChunk } from './chunk.js';
import { sctpChecksum } from './crc32c.js';

/** Size of the common header. */
export const COMMON_HEADER_SIZE = 12;

/** A decoded packet. */
export interface Packet {
  readonly sourcePort: number;
  readonly destinationPort: number;
  readonly verificationTag: number;
  readonly checksum: number;
  readonly chunks: readonly Chunk[];
}

/** Why {@link decodePacket} refused a packet. */
export type PacketError = 'short' | 'checksum' | 'chunk-length' | 'malformed-chunk';

/** Reads the checksum field (stored little-endian, RFC 9260 Appendix A). */
export function readChecksum(buf: Uint8Array): number {
  return (buf[8]! | (buf[9]! << 8) | (buf[10]! << 16) | (buf[11]! << 24)) >>> 0;
}

/** Writes the checksum field: the CRC32c, or 0 when `zeroChecksum` (RFC 9653). */
export function writeChecksum(buf: Uint8Array, zeroChecksum: boolean): void {
  const c = zeroChecksum ? 0 : sctpChecksum(buf);
  buf[8] = c & 0xff;
  buf[9] = (c >>> 8) & 0xff;
  buf[10] = (c >>> 16) & 0xff;
  buf[11] = c >>> 24;
}

/** True when the packet's checksum is correct (or zero and `acceptZero`, RFC 9653 §5.3). */
export function verifyChecksum(buf: Uint8Array, acceptZero: boolean): boolean {
  const c = readChecksum(buf);
  if (c === 0 && acceptZero) return true;
  return c === sctpChecksum(buf);
}

/**
 * Decodes a whole packet, chunks included. For tests, tools and fixtures: the association
 * walks chunks itself. Returns a {@link PacketError} string instead of throwing.
 */
export function decodePacket(
  buf: Uint8Array,
  options: { acceptZeroChecksum?: boolean } = {},
): Packet | PacketError {
  if (buf.length < COMMON_HEADER_SIZE) return 'short';
  if (!verifyChecksum(buf, options.acceptZeroChecksum ?? false)) return 'checksum';
  const chunks: Chunk[] = [];
  let off = COMMON_HEADER_SIZE;
  while (off + 4 <= buf.length) {
    const len = (buf[off + 2]! << 8) | buf[off + 3]!;
    if (len < 4 || off + len > buf.length) return 'chunk-length';
    const c = decodeChunkAt(buf, off, len);
    if (c === undefined) return 'malformed-chunk';
    chunks.push(c);
    off += (len + 3) & ~3;
  }
  return {
    sourcePort: (buf[0]! << 8) | buf[1]!,
    destinationPort: (buf[2]! << 8) | buf[3]!,
    verificationTag: ((buf[4]! << 24) | (buf[5]! << 16) | (buf[6]! << 8) | buf[7]!) >>> 0,
    checksum: readChecksum(buf),
    chunks,
  };
}

/** Writes the common header, checksum left zero. */
export function writeCommonHeader(
  buf: Uint8Array,
  sourcePort: number,
  destinationPort: number,
  verificationTag: number,
): void {
  buf[0] = sourcePort >>> 8;
  buf[1] = sourcePort & 0xff;
  buf[2] = destinationPort >>> 8;
  buf[3] = destinationPort & 0xff;
  buf[4] = verificationTag >>> 24;
  buf[5] = (verificationTag >>> 16) & 0xff;
  buf[6] = (verificationTag >>> 8) & 0xff;
  buf[7] = verificationTag & 0xff;
  buf[8] = buf[9] = buf[10] = buf[11] = 0;
}

/** Encodes a whole packet with its checksum. */
export function encodePacket(
  p: Omit<Packet, 'checksum'>,
  options: { zeroChecksum?: boolean } = {},
): Uint8Array {
  let size = COMMON_HEADER_SIZE;
  for (const c of p.chunks) size += chunkSize(c);
  const buf = new Uint8Array(size);
  writeCommonHeader(buf, p.sourcePort, p.destinationPort, p.verificationTag);
  let off = COMMON_HEADER_SIZE;
  for (const c of p.chunks) off = encodeChunk(c, buf, off);
  writeChecksum(buf, options.zeroChecksum ?? false);
  return buf;
}

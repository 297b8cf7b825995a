/** RFC 3550 §6.5: source description (SDES, packet type 202): CNAME and the other items. */

import { RtpConfigurationError } from '../errors.js';
import {
  checkCount,
  checkField,
  parseSingle,
  r32,
  RtcpPacketType,
  type RtcpParseFailure,
  w32,
  writeHeader,
} from './header.js';

/** SDES item types (RFC 3550 §6.5.1–§6.5.8). */
export const SdesItemType = {
  CNAME: 1,
  NAME: 2,
  EMAIL: 3,
  PHONE: 4,
  LOC: 5,
  TOOL: 6,
  NOTE: 7,
  /** §6.5.8: the text is a length-prefixed prefix followed by the value, kept as is. */
  PRIV: 8,
} as const;

/** One SDES item: a type (1–255) and its text (UTF-8, at most 255 bytes). */
export interface RtcpSdesItem {
  readonly type: number;
  readonly text: string;
}

/** The items describing one source (RFC 3550 §6.5: a chunk). */
export interface RtcpSdesChunk {
  readonly ssrc: number;
  readonly items: readonly RtcpSdesItem[];
}

/** A source description packet (RFC 3550 §6.5). */
export interface RtcpSourceDescription {
  readonly kind: 'sdes';
  /** Up to 31 chunks. */
  readonly chunks: readonly RtcpSdesChunk[];
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** Decodes an SDES in `b[start, end)`: each chunk's items end with a null octet, then pad to 32 bits. */
export function decodeSdes(
  b: Uint8Array,
  start: number,
  end: number,
): RtcpSourceDescription | RtcpParseFailure {
  const count = b[start]! & 0x1f;
  const chunks: RtcpSdesChunk[] = [];
  let at = start + 4;
  for (let c = 0; c < count; c++) {
    if (at + 4 > end) return 'truncated';
    const ssrc = r32(b, at);
    at += 4;
    const items: RtcpSdesItem[] = [];
    for (;;) {
      if (at >= end) return 'truncated'; // no END item
      const type = b[at]!;
      if (type === 0) break;
      if (at + 2 > end || at + 2 + b[at + 1]! > end) return 'truncated';
      const len = b[at + 1]!;
      items.push({ type, text: decoder.decode(b.subarray(at + 2, at + 2 + len)) });
      at += 2 + len;
    }
    // §6.5: the END octet, then null octets up to the next 32-bit boundary (relative to start).
    at = start + ((at - start + 4) & ~3);
    chunks.push({ ssrc, items });
  }
  return { kind: 'sdes', chunks };
}

function chunkSize(c: RtcpSdesChunk, encoded: Uint8Array[]): number {
  let n = 4;
  for (const item of c.items) {
    const text = encoder.encode(item.text);
    encoded.push(text);
    n += 2 + text.length;
  }
  return (n + 4) & ~3; // END octet and padding
}

/** Size in bytes of the encoded SDES. */
export function sdesSize(p: RtcpSourceDescription): number {
  let n = 4;
  for (const c of p.chunks) n += chunkSize(c, []);
  return n;
}

/** Writes the SDES at `o`; returns the offset after it. Throws for an item over 255 bytes. */
export function encodeSdes(p: RtcpSourceDescription, t: Uint8Array, o: number): number {
  checkCount('SDES chunks', p.chunks.length);
  const texts: Uint8Array[] = [];
  let size = 4;
  for (const c of p.chunks) size += chunkSize(c, texts);
  writeHeader(t, o, p.chunks.length, RtcpPacketType.SDES, size);
  let at = o + 4;
  let k = 0;
  for (const c of p.chunks) {
    checkField('SDES SSRC', c.ssrc, 0xffffffff);
    const chunkStart = at;
    w32(t, at, c.ssrc);
    at += 4;
    for (const item of c.items) {
      const text = texts[k++]!;
      checkField('SDES item type', item.type, 255);
      if (item.type === 0)
        throw new RtpConfigurationError('SDES item type 0 is the END marker (RFC 3550 §6.5)');
      if (text.length > 255) {
        throw new RtpConfigurationError(
          `SDES item ${item.type} is ${text.length} bytes: at most 255 (RFC 3550 §6.5)`,
        );
      }
      t[at] = item.type;
      t[at + 1] = text.length;
      t.set(text, at + 2);
      at += 2 + text.length;
    }
    const next = chunkStart + ((at - chunkStart + 4) & ~3);
    t.fill(0, at, next);
    at = next;
  }
  return at;
}

/** Parses one SDES (exactly one packet). Never throws. */
export function parseSdes(packet: Uint8Array): RtcpSourceDescription | RtcpParseFailure {
  return parseSingle(packet, RtcpPacketType.SDES, undefined, decodeSdes);
}

/** The CNAME of `ssrc` in an SDES packet (RFC 3550 §6.5.1), or `undefined`. */
export function sdesCname(p: RtcpSourceDescription, ssrc?: number): string | undefined {
  for (const c of p.chunks) {
    if (ssrc !== undefined && c.ssrc !== ssrc) continue;
    const item = c.items.find((i) => i.type === SdesItemType.CNAME);
    if (item) return item.text;
  }
  return undefined;
}

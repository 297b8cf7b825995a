/** RFC 3550 §6.7: application-defined packets (APP, packet type 204). */

import { RtpConfigurationError } from '../errors.js';
import {
  checkField,
  padded,
  parseSingle,
  r32,
  RtcpPacketType,
  type RtcpParseFailure,
  w32,
  writeHeader,
} from './header.js';

/** An APP packet (RFC 3550 §6.7). */
export interface RtcpApp {
  readonly kind: 'app';
  /** 5-bit subtype, in the count field. */
  readonly subtype: number;
  readonly ssrc: number;
  /** Four ASCII characters (read as Latin-1, so that any four bytes round-trip). */
  readonly name: string;
  /** Application data (a view when parsed); written zero-padded to a multiple of 4 bytes. */
  readonly data: Uint8Array;
}

/** Decodes an APP in `b[start, end)`. */
export function decodeApp(b: Uint8Array, start: number, end: number): RtcpApp | RtcpParseFailure {
  if (start + 12 > end) return 'truncated';
  return {
    kind: 'app',
    subtype: b[start]! & 0x1f,
    ssrc: r32(b, start + 4),
    name: String.fromCharCode(b[start + 8]!, b[start + 9]!, b[start + 10]!, b[start + 11]!),
    data: b.subarray(start + 12, end),
  };
}

/** Size in bytes of the encoded APP. */
export function appSize(p: RtcpApp): number {
  return 12 + padded(p.data.length);
}

/** Writes the APP at `o`; returns the offset after it. */
export function encodeApp(p: RtcpApp, t: Uint8Array, o: number): number {
  checkField('APP subtype', p.subtype, 31);
  checkField('APP SSRC', p.ssrc, 0xffffffff);
  if (p.name.length !== 4 || [...p.name].some((c) => c.charCodeAt(0) > 0xff)) {
    throw new RtpConfigurationError(
      `APP name "${p.name}" is not four ASCII characters (RFC 3550 §6.7)`,
    );
  }
  const size = appSize(p);
  writeHeader(t, o, p.subtype, RtcpPacketType.APP, size);
  w32(t, o + 4, p.ssrc);
  for (let i = 0; i < 4; i++) t[o + 8 + i] = p.name.charCodeAt(i);
  t.set(p.data, o + 12);
  t.fill(0, o + 12 + p.data.length, o + size);
  return o + size;
}

/** Parses one APP (exactly one packet). Never throws. */
export function parseApp(packet: Uint8Array): RtcpApp | RtcpParseFailure {
  return parseSingle(packet, RtcpPacketType.APP, undefined, decodeApp);
}

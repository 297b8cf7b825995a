/** RFC 3550 §6.6: goodbye (BYE, packet type 203), with an optional reason. */

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

/** A BYE packet (RFC 3550 §6.6). */
export interface RtcpBye {
  readonly kind: 'bye';
  /** Up to 31 sources leaving. */
  readonly ssrcs: readonly number[];
  /** Reason for leaving (UTF-8, at most 255 bytes). */
  readonly reason?: string;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** Decodes a BYE in `b[start, end)`. */
export function decodeBye(b: Uint8Array, start: number, end: number): RtcpBye | RtcpParseFailure {
  const count = b[start]! & 0x1f;
  let at = start + 4;
  if (at + count * 4 > end) return 'truncated';
  const ssrcs: number[] = [];
  for (let i = 0; i < count; i++, at += 4) ssrcs.push(r32(b, at));
  if (at >= end) return { kind: 'bye', ssrcs };
  const len = b[at]!;
  if (at + 1 + len > end) return 'truncated';
  return { kind: 'bye', ssrcs, reason: decoder.decode(b.subarray(at + 1, at + 1 + len)) };
}

function reasonBytes(p: RtcpBye): Uint8Array | undefined {
  if (p.reason === undefined) return undefined;
  const r = encoder.encode(p.reason);
  if (r.length > 255) {
    throw new RtpConfigurationError(
      `a BYE reason of ${r.length} bytes is too long: at most 255 (RFC 3550 §6.6)`,
    );
  }
  return r;
}

/** Size in bytes of the encoded BYE. */
export function byeSize(p: RtcpBye): number {
  const r = reasonBytes(p);
  return 4 + p.ssrcs.length * 4 + (r ? (r.length + 1 + 3) & ~3 : 0);
}

/** Writes the BYE at `o`; returns the offset after it. */
export function encodeBye(p: RtcpBye, t: Uint8Array, o: number): number {
  checkCount('BYE sources', p.ssrcs.length);
  for (const s of p.ssrcs) checkField('BYE SSRC', s, 0xffffffff);
  const r = reasonBytes(p);
  const size = byeSize(p);
  writeHeader(t, o, p.ssrcs.length, RtcpPacketType.BYE, size);
  let at = o + 4;
  for (const s of p.ssrcs) {
    w32(t, at, s);
    at += 4;
  }
  if (r) {
    t[at] = r.length;
    t.set(r, at + 1);
    t.fill(0, at + 1 + r.length, o + size);
  }
  return o + size;
}

/** Parses one BYE (exactly one packet). Never throws. */
export function parseBye(packet: Uint8Array): RtcpBye | RtcpParseFailure {
  return parseSingle(packet, RtcpPacketType.BYE, undefined, decodeBye);
}

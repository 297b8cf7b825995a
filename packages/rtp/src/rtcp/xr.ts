/**
 * RFC 3611: extended reports (XR, packet type 207). The two blocks that give a receiver-only
 * endpoint its round-trip time are decoded: the Receiver Reference Time Report (§4.4, BT 4)
 * and DLRR (§4.5, BT 5). Other block types are kept as raw bytes and written back as they came.
 */

import { RtpConfigurationError } from '../errors.js';
import {
  checkField,
  padded,
  parseSingle,
  r16,
  r32,
  RtcpPacketType,
  type RtcpParseFailure,
  w16,
  w32,
  writeHeader,
} from './header.js';

/** RFC 3611 §4.4: the NTP time at which the receiver sent this report. */
export interface XrReceiverReferenceTime {
  readonly type: 'rrtr';
  readonly ntpSeconds: number;
  readonly ntpFraction: number;
}

/** One DLRR sub-block (RFC 3611 §4.5). */
export interface XrDlrrItem {
  /** The receiver this sub-block answers. */
  readonly ssrc: number;
  /** LRR: middle 32 bits of the NTP time in that receiver's last RRTR, or 0. */
  readonly lastReceiverReport: number;
  /** DLRR: delay since that RRTR was received, in units of 1/65536 s. */
  readonly delaySinceLastReceiverReport: number;
}

/** RFC 3611 §4.5: DLRR report block. */
export interface XrDlrr {
  readonly type: 'dlrr';
  readonly items: readonly XrDlrrItem[];
}

/** A block of another type, kept as it came. */
export interface XrRawBlock {
  readonly type: 'raw';
  /** BT, the block type (8 bits). */
  readonly blockType: number;
  /** The 8-bit type-specific field. */
  readonly typeSpecific: number;
  /** The block's contents after its 4-byte header (written zero-padded to 32 bits). */
  readonly data: Uint8Array;
}

/** One XR report block. */
export type XrBlock = XrReceiverReferenceTime | XrDlrr | XrRawBlock;

/** An extended report packet (RFC 3611 §2). */
export interface RtcpExtendedReport {
  readonly kind: 'xr';
  /** SSRC of the packet's sender. */
  readonly ssrc: number;
  readonly blocks: readonly XrBlock[];
}

const RRTR = 4;
const DLRR = 5;

/** Decodes an XR in `b[start, end)`. */
export function decodeXr(
  b: Uint8Array,
  start: number,
  end: number,
): RtcpExtendedReport | RtcpParseFailure {
  if (start + 8 > end) return 'truncated';
  const blocks: XrBlock[] = [];
  let at = start + 8;
  while (at < end) {
    // RFC 3611 §3: BT (8), type-specific (8), block length: the block's size in 32-bit
    // words minus one, i.e. the words after this 4-byte header.
    if (at + 4 > end) return 'truncated';
    const bt = b[at]!;
    const words = r16(b, at + 2);
    const next = at + 4 + words * 4;
    if (next > end) return 'truncated';
    if (bt === RRTR) {
      if (words !== 2) return 'malformed-body';
      blocks.push({ type: 'rrtr', ntpSeconds: r32(b, at + 4), ntpFraction: r32(b, at + 8) });
    } else if (bt === DLRR) {
      if (words % 3 !== 0) return 'malformed-body';
      const items: XrDlrrItem[] = [];
      for (let s = at + 4; s < next; s += 12) {
        items.push({
          ssrc: r32(b, s),
          lastReceiverReport: r32(b, s + 4),
          delaySinceLastReceiverReport: r32(b, s + 8),
        });
      }
      blocks.push({ type: 'dlrr', items });
    } else {
      blocks.push({
        type: 'raw',
        blockType: bt,
        typeSpecific: b[at + 1]!,
        data: b.subarray(at + 4, next),
      });
    }
    at = next;
  }
  return { kind: 'xr', ssrc: r32(b, start + 4), blocks };
}

function blockSize(block: XrBlock): number {
  switch (block.type) {
    case 'rrtr':
      return 12;
    case 'dlrr':
      return 4 + block.items.length * 12;
    default:
      return 4 + padded(block.data.length);
  }
}

/** Size in bytes of the encoded XR. */
export function xrSize(p: RtcpExtendedReport): number {
  let n = 8;
  for (const block of p.blocks) n += blockSize(block);
  return n;
}

/** Writes the XR at `o`; returns the offset after it. */
export function encodeXr(p: RtcpExtendedReport, t: Uint8Array, o: number): number {
  checkField('XR SSRC', p.ssrc, 0xffffffff);
  const size = xrSize(p);
  writeHeader(t, o, 0, RtcpPacketType.XR, size);
  w32(t, o + 4, p.ssrc);
  let at = o + 8;
  for (const block of p.blocks) {
    const words = blockSize(block) / 4 - 1;
    if (words > 0xffff)
      throw new RtpConfigurationError(`an XR block of ${words} words exceeds its 16-bit length`);
    if (block.type === 'rrtr') {
      checkField('RRTR NTP seconds', block.ntpSeconds, 0xffffffff);
      checkField('RRTR NTP fraction', block.ntpFraction, 0xffffffff);
      t[at] = RRTR;
      t[at + 1] = 0;
      w32(t, at + 4, block.ntpSeconds);
      w32(t, at + 8, block.ntpFraction);
    } else if (block.type === 'dlrr') {
      t[at] = DLRR;
      t[at + 1] = 0;
      block.items.forEach((item, i) => {
        checkField('DLRR SSRC', item.ssrc, 0xffffffff);
        checkField('LRR', item.lastReceiverReport, 0xffffffff);
        checkField('DLRR', item.delaySinceLastReceiverReport, 0xffffffff);
        const s = at + 4 + i * 12;
        w32(t, s, item.ssrc);
        w32(t, s + 4, item.lastReceiverReport);
        w32(t, s + 8, item.delaySinceLastReceiverReport);
      });
    } else {
      checkField('XR block type', block.blockType, 255);
      checkField('XR type-specific field', block.typeSpecific, 255);
      t[at] = block.blockType;
      t[at + 1] = block.typeSpecific;
      t.set(block.data, at + 4);
      t.fill(0, at + 4 + block.data.length, at + blockSize(block));
    }
    w16(t, at + 2, words);
    at += blockSize(block);
  }
  return at;
}

/** Parses one XR (exactly one packet). Never throws. */
export function parseXr(packet: Uint8Array): RtcpExtendedReport | RtcpParseFailure {
  return parseSingle(packet, RtcpPacketType.XR, undefined, decodeXr);
}

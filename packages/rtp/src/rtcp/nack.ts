/**
 * RFC 4585 §6.2.1: generic NACK (RTPFB, FMT 1). Each FCI entry is a packet id (PID) and a
 * bitmask of the 16 following lost packets (BLP); helpers convert to and from the list of lost
 * sequence numbers, across the 16-bit wrap.
 */

import {
  checkField,
  parseSingle,
  r16,
  r32,
  RtcpFeedbackType,
  RtcpPacketType,
  type RtcpParseFailure,
  w16,
  w32,
  writeHeader,
} from './header.js';

/** One NACK FCI entry (RFC 4585 §6.2.1). */
export interface RtcpNackItem {
  /** Packet ID: a lost sequence number. */
  readonly pid: number;
  /** Bitmask of following lost packets: bit i (LSB = 0) means PID + i + 1 is lost. */
  readonly blp: number;
}

/** A generic NACK (RFC 4585 §6.2.1). */
export interface RtcpNack {
  readonly kind: 'nack';
  readonly senderSsrc: number;
  /** The media source whose packets are lost. */
  readonly mediaSsrc: number;
  readonly items: readonly RtcpNackItem[];
}

/** Decodes a NACK in `b[start, end)`. */
export function decodeNack(b: Uint8Array, start: number, end: number): RtcpNack | RtcpParseFailure {
  if (start + 12 > end) return 'truncated';
  const items: RtcpNackItem[] = [];
  for (let at = start + 12; at + 4 <= end; at += 4)
    items.push({ pid: r16(b, at), blp: r16(b, at + 2) });
  return { kind: 'nack', senderSsrc: r32(b, start + 4), mediaSsrc: r32(b, start + 8), items };
}

/** Size in bytes of the encoded NACK. */
export function nackSize(p: RtcpNack): number {
  return 12 + p.items.length * 4;
}

/** Writes the NACK at `o`; returns the offset after it. */
export function encodeNack(p: RtcpNack, t: Uint8Array, o: number): number {
  checkField('sender SSRC', p.senderSsrc, 0xffffffff);
  checkField('media SSRC', p.mediaSsrc, 0xffffffff);
  const size = nackSize(p);
  writeHeader(t, o, RtcpFeedbackType.NACK, RtcpPacketType.RTPFB, size);
  w32(t, o + 4, p.senderSsrc);
  w32(t, o + 8, p.mediaSsrc);
  let at = o + 12;
  for (const { pid, blp } of p.items) {
    checkField('NACK PID', pid, 0xffff);
    checkField('NACK BLP', blp, 0xffff);
    w16(t, at, pid);
    w16(t, at + 2, blp);
    at += 4;
  }
  return at;
}

/** Parses one generic NACK (exactly one packet). Never throws. */
export function parseNack(packet: Uint8Array): RtcpNack | RtcpParseFailure {
  return parseSingle(packet, RtcpPacketType.RTPFB, RtcpFeedbackType.NACK, decodeNack);
}

/** The lost sequence numbers the items name, in order (PID, then its BLP bits), wrapping at 65536. */
export function nackSequenceNumbers(items: readonly RtcpNackItem[]): number[] {
  const out: number[] = [];
  for (const { pid, blp } of items) {
    out.push(pid);
    for (let i = 0; i < 16; i++) if (blp & (1 << i)) out.push((pid + i + 1) & 0xffff);
  }
  return out;
}

/**
 * NACK items for lost sequence numbers given in sending order (each later than the previous,
 * modulo 2¹⁶, e.g. 65534, 65535, 0, 3): a new item starts whenever a number is more than 16
 * after the current PID. A repeated number is skipped.
 */
export function nackItems(sequenceNumbers: Iterable<number>): RtcpNackItem[] {
  const out: RtcpNackItem[] = [];
  let pid = -1;
  let blp = 0;
  for (const raw of sequenceNumbers) {
    const seq = raw & 0xffff;
    const diff = (seq - pid) & 0xffff;
    if (pid >= 0 && diff === 0) continue;
    if (pid >= 0 && diff <= 16) {
      blp |= 1 << (diff - 1);
      continue;
    }
    if (pid >= 0) out.push({ pid, blp });
    pid = seq;
    blp = 0;
  }
  if (pid >= 0) out.push({ pid, blp });
  return out;
}

/**
 * Compound RTCP packets (RFC 3550 §6.1, Appendix A.2) and reduced-size RTCP (RFC 5506): walk
 * and decode every packet of a datagram, serialize a list of packets, and build a compound in
 * the order RFC 3550 requires.
 */

import { RtpConfigurationError } from '../errors.js';
import { checkHeader, RtcpPacketType, type RtcpParseFailure } from './header.js';
import { decodePacket, encodePacket, packetSize, type RtcpPacket } from './rtcp-packet.js';
import { SdesItemType } from './sdes.js';

/** Options of {@link parseRtcp}. */
export interface ParseRtcpOptions {
  /**
   * Refuse a datagram whose first packet is not SR or RR (`'not-compound'`), as RFC 3550
   * Appendix A.2 validates. Default false: RFC 5506 reduced-size RTCP (a lone feedback
   * packet, negotiated with `a=rtcp-rsize`, which browsers always offer) is accepted.
   */
  readonly requireCompound?: boolean;
}

/**
 * Decodes every packet of an RTCP datagram (after SRTCP, when there is one). Never throws.
 *
 * The datagram is refused as a whole (a failure code) when its structure is broken: a header
 * with a version other than 2, a length past the end, padding on a packet that is not the
 * last, a bad padding count, or an empty datagram. Otherwise every packet is returned in order:
 * decoded when its type is known, of kind `'unknown'` when not, and of kind `'malformed'` (with
 * its reason) when its body contradicts its type (the rest of the compound is still usable).
 */
export function parseRtcp(
  buf: Uint8Array,
  options: ParseRtcpOptions = {},
): RtcpPacket[] | RtcpParseFailure {
  if (buf.length === 0) return 'too-short';
  // Headers first, so that a broken datagram allocates nothing.
  for (let at = 0; at < buf.length; ) {
    const h = checkHeader(buf, at, false);
    if (typeof h === 'string') return h;
    at += h.size;
  }
  if (options.requireCompound && buf[1] !== RtcpPacketType.SR && buf[1] !== RtcpPacketType.RR) {
    return 'not-compound';
  }
  const out: RtcpPacket[] = [];
  for (let at = 0; at < buf.length; ) {
    const h = checkHeader(buf, at, false) as Exclude<ReturnType<typeof checkHeader>, string>;
    out.push(decodePacket(buf, at, h.end, h.size));
    at += h.size;
  }
  return out;
}

function list(packets: RtcpPacket | readonly RtcpPacket[]): readonly RtcpPacket[] {
  return Array.isArray(packets) ? packets : [packets as RtcpPacket];
}

/** Size in bytes of `packets` serialized back to back. */
export function rtcpSize(packets: RtcpPacket | readonly RtcpPacket[]): number {
  let n = 0;
  for (const p of list(packets)) n += packetSize(p);
  return n;
}

/**
 * Serializes one packet, or several back to back in the given order, into a new Buffer.
 * Throws {@link RtpConfigurationError} for a field out of range (more than 31 report blocks,
 * an SDES item over 255 bytes, a TWCC delta that fits no receive delta…).
 */
export function serializeRtcp(packets: RtcpPacket | readonly RtcpPacket[]): Buffer {
  const out = Buffer.alloc(rtcpSize(packets));
  serializeRtcpInto(packets, out, 0);
  return out;
}

/** Like {@link serializeRtcp}, into `target` at `offset`; returns the bytes written. */
export function serializeRtcpInto(
  packets: RtcpPacket | readonly RtcpPacket[],
  target: Uint8Array,
  offset = 0,
): number {
  const size = rtcpSize(packets);
  if (!Number.isInteger(offset) || offset < 0 || offset + size > target.length) {
    throw new RtpConfigurationError(
      `${size} bytes of RTCP do not fit at offset ${offset} of a ${target.length}-byte buffer`,
    );
  }
  let at = offset;
  for (const p of list(packets)) at = encodePacket(p, target, at);
  return at - offset;
}

/** Options of {@link buildRtcpCompound}. */
export interface RtcpCompoundOptions {
  /**
   * RFC 5506 reduced-size RTCP (both ends negotiated `a=rtcp-rsize`): no report or CNAME is
   * required. Default false.
   */
  readonly reducedSize?: boolean;
}

const rank = (p: RtcpPacket): number =>
  p.kind === 'sr' || p.kind === 'rr' ? 0 : p.kind === 'sdes' ? 1 : p.kind === 'bye' ? 3 : 2;

/**
 * RFC 3550 §6.1: serializes `packets` as one compound in the required order — SR/RR first
 * (several when there are more than 31 sources), then SDES, then the others in the order given,
 * BYE last. A full compound must contain an SR or RR and an SDES with a CNAME: without them it
 * throws {@link RtpConfigurationError} (send an empty RR when there is nothing to report).
 */
export function buildRtcpCompound(
  packets: readonly RtcpPacket[],
  options: RtcpCompoundOptions = {},
): Buffer {
  const ordered = packets
    .map((p, i) => ({ p, i }))
    .sort((a, b) => rank(a.p) - rank(b.p) || a.i - b.i)
    .map(({ p }) => p);
  if (ordered.length === 0)
    throw new RtpConfigurationError('an RTCP compound needs at least one packet');
  if (!options.reducedSize) {
    if (rank(ordered[0]!) !== 0) {
      throw new RtpConfigurationError(
        'RFC 3550 §6.1: a compound RTCP packet starts with an SR or RR; add an empty RR',
      );
    }
    const cname = ordered.some(
      (p) =>
        p.kind === 'sdes' &&
        p.chunks.some((c) => c.items.some((i) => i.type === SdesItemType.CNAME)),
    );
    if (!cname) {
      throw new RtpConfigurationError(
        'RFC 3550 §6.1: a compound RTCP packet carries an SDES CNAME; add one',
      );
    }
  }
  return serializeRtcp(ordered);
}

/**
 * H.264 over RTP (RFC 6184), packetization modes 0 and 1: single NAL unit packets (§5.6),
 * STAP-A (§5.7.1) and FU-A (§5.8). The depacketizer outputs access units in the Annex B byte
 * stream format (H.264 §B.1, a 4-byte start code before each NAL unit). The payloader is in
 * `h264-payloader.ts`.
 */

import type { Depacketizer } from './depacketizer.js';

/** NAL unit types of H.264 Table 7-1 and RFC 6184 Table 1 that this module names. */
export const H264NalType = {
  /** Coded slice of a non-IDR picture. */
  Slice: 1,
  /** Coded slice data partition A. */
  SliceDataA: 2,
  /** Coded slice of an IDR picture: a keyframe. */
  Idr: 5,
  /** Supplemental enhancement information. */
  Sei: 6,
  /** Sequence parameter set. */
  Sps: 7,
  /** Picture parameter set. */
  Pps: 8,
  /** Access unit delimiter. */
  Aud: 9,
  /** Filler data. */
  Filler: 12,
  /** RFC 6184 §5.7.1 single-time aggregation packet. */
  StapA: 24,
  /** RFC 6184 §5.8 fragmentation unit without DON. */
  FuA: 28,
} as const;

const ANNEX_B_START_CODE_SIZE = 4;

/**
 * True when a NAL unit of `type` whose first payload byte is `next` (-1 if none) begins an
 * access unit: H.264 §7.4.1.2.3 lists AUD, SPS, PPS, SEI and types 14 to 18 before the first
 * slice, and a slice begins a picture when first_mb_in_slice, its first ue(v), is 0 (a
 * leading 1 bit). Arbitrary slice order (baseline only, unused in WebRTC) is not recognised.
 */
function startsAccessUnit(type: number, next: number): boolean {
  if (type === 1 || type === 2 || type === 5) return next >= 0 && (next & 0x80) !== 0;
  return (type >= 6 && type <= 9) || (type >= 14 && type <= 18);
}

/**
 * Reassembles H.264 access units. A frame starts with a packet whose first NAL unit begins an
 * access unit (see `startsAccessUnit` above; for FU-A, a start fragment of such a NAL unit),
 * ends with the marker bit (RFC 6184 §5.1), and is a keyframe when its first packet carries an
 * IDR slice or an SPS (senders put SPS and PPS in front of each IDR).
 */
export class H264Depacketizer implements Depacketizer {
  /** The first NAL unit of the packet begins an access unit. */
  isFrameStart(payload: Uint8Array): boolean {
    const length = payload.length;
    if (length === 0) return false;
    const header = payload[0]!;
    if ((header & 0x80) !== 0) return false;
    const type = header & 0x1f;
    if (type >= 1 && type <= 23) return startsAccessUnit(type, length > 1 ? payload[1]! : -1);
    if (type === H264NalType.StapA) {
      if (length < 4) return false;
      const size = (payload[1]! << 8) | payload[2]!;
      if (size === 0 || 3 + size > length) return false;
      const nal = payload[3]!;
      return (nal & 0x80) === 0 && startsAccessUnit(nal & 0x1f, size > 1 ? payload[4]! : -1);
    }
    if (type === H264NalType.FuA) {
      if (length < 3) return false;
      const fu = payload[1]!;
      return (fu & 0x80) !== 0 && startsAccessUnit(fu & 0x1f, payload[2]!);
    }
    return false;
  }

  /** The marker bit (RFC 6184 §5.1: set on the last packet of an access unit). */
  isFrameEnd(_payload: Uint8Array, marker: boolean): boolean {
    return marker;
  }

  /** The packet carries an IDR slice (a whole one, the start of a FU-A, or in a STAP-A) or an SPS. */
  isKeyframe(payload: Uint8Array): boolean {
    const length = payload.length;
    if (length === 0) return false;
    const type = payload[0]! & 0x1f;
    if (type === H264NalType.Idr || type === H264NalType.Sps) return true;
    if (type === H264NalType.FuA) {
      return length >= 3 && (payload[1]! & 0x80) !== 0 && (payload[1]! & 0x1f) === H264NalType.Idr;
    }
    if (type !== H264NalType.StapA) return false;
    for (let at = 1; at + 2 < length; ) {
      const size = (payload[at]! << 8) | payload[at + 1]!;
      if (size === 0 || at + 2 + size > length) return false;
      const nalType = payload[at + 2]! & 0x1f;
      if (nalType === H264NalType.Idr || nalType === H264NalType.Sps) return true;
      at += 2 + size;
    }
    return false;
  }

  /**
   * The access unit in Annex B format, or `undefined` when: a payload is empty, has the
   * forbidden bit set, or is of a type outside modes 0 and 1 (STAP-B, MTAP, FU-B: RFC 6184
   * §5.2); a STAP-A unit is empty or runs past its packet (§5.7.1); a FU-A has both S and E set,
   * continues without a start, changes NAL type or NRI, is interrupted by another packet, or
   * is left open at the end (§5.8).
   */
  assemble(payloads: readonly Uint8Array[]): Uint8Array | undefined {
    const size = annexBSize(payloads);
    if (size <= 0) return undefined;
    const frame = new Uint8Array(size);
    let at = 0;
    for (const payload of payloads) {
      const type = payload[0]! & 0x1f;
      if (type === H264NalType.FuA) {
        const fu = payload[1]!;
        if ((fu & 0x80) !== 0) {
          frame[at + 3] = 1;
          frame[at + 4] = (payload[0]! & 0xe0) | (fu & 0x1f);
          at += ANNEX_B_START_CODE_SIZE + 1;
        }
        frame.set(payload.subarray(2), at);
        at += payload.length - 2;
      } else if (type === H264NalType.StapA) {
        for (let offset = 1; offset < payload.length; ) {
          const nalSize = (payload[offset]! << 8) | payload[offset + 1]!;
          frame[at + 3] = 1;
          frame.set(payload.subarray(offset + 2, offset + 2 + nalSize), at + 4);
          at += ANNEX_B_START_CODE_SIZE + nalSize;
          offset += 2 + nalSize;
        }
      } else {
        frame[at + 3] = 1;
        frame.set(payload, at + 4);
        at += ANNEX_B_START_CODE_SIZE + payload.length;
      }
    }
    return frame;
  }
}

/** The Annex B size of the access unit in `payloads`, or -1 when they are not valid (pass 1). */
function annexBSize(payloads: readonly Uint8Array[]): number {
  let size = 0;
  let fuType = -1;
  let fuNri = 0;
  for (const payload of payloads) {
    const length = payload.length;
    if (length === 0) return -1;
    const header = payload[0]!;
    if ((header & 0x80) !== 0) return -1;
    const type = header & 0x1f;
    if (type >= 1 && type <= 23) {
      if (fuType >= 0) return -1;
      size += ANNEX_B_START_CODE_SIZE + length;
    } else if (type === H264NalType.StapA) {
      if (fuType >= 0 || length < 4) return -1;
      for (let at = 1; at < length; ) {
        if (at + 2 >= length) return -1;
        const nalSize = (payload[at]! << 8) | payload[at + 1]!;
        if (nalSize === 0 || at + 2 + nalSize > length) return -1;
        const nal = payload[at + 2]!;
        const nalType = nal & 0x1f;
        if ((nal & 0x80) !== 0 || nalType === 0 || nalType > 23) return -1;
        size += ANNEX_B_START_CODE_SIZE + nalSize;
        at += 2 + nalSize;
      }
    } else if (type === H264NalType.FuA) {
      if (length < 3) return -1;
      const fu = payload[1]!;
      const nalType = fu & 0x1f;
      const start = (fu & 0x80) !== 0;
      const end = (fu & 0x40) !== 0;
      if ((start && end) || nalType === 0 || nalType > 23) return -1;
      if (start) {
        if (fuType >= 0) return -1;
        fuType = nalType;
        fuNri = header & 0x60;
        size += ANNEX_B_START_CODE_SIZE + 1;
      } else if (fuType !== nalType || fuNri !== (header & 0x60)) {
        return -1;
      }
      size += length - 2;
      if (end) fuType = -1;
    } else {
      return -1;
    }
  }
  return fuType >= 0 ? -1 : size;
}

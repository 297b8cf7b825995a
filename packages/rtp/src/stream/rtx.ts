/**
 * RTP retransmission payload format (RFC 4588): a retransmission travels on its own stream
 * (session multiplexing by SSRC, §8) with its own payload type and sequence numbers, and its
 * payload is the original sequence number (OSN, 2 bytes) followed by the original payload.
 */

import { rtpHeaderSize } from '../packet/header-size.js';

/** RFC 4588 §4: the size of the OSN field before the original payload. */
export const RTX_OSN_SIZE = 2;

/** The RTX stream's own header fields: what differs from the original packet (RFC 4588 §4). */
export interface RtxStreamParameters {
  /** SSRC of the RTX stream. */
  readonly ssrc: number;
  /** The RTX payload type negotiated for the original one (`a=fmtp:<rtx> apt=<original>`). */
  readonly payloadType: number;
  /** The RTX stream's next sequence number (16 bits), kept by the caller. */
  readonly sequenceNumber: number;
}

/** The original stream's SSRC and payload type, to restore a packet from RTX. */
export interface RtxOriginalParameters {
  /** SSRC of the original stream (the one the RTX stream is associated with). */
  readonly ssrc: number;
  /** The original payload type (the `apt` of the RTX payload type). */
  readonly payloadType: number;
}

/** Why an RTX payload or packet could not be unwrapped. */
export type RtxFailure =
  /** Shorter than the 2-byte OSN (RFC 4588 §4): e.g. a padding-only probe. */
  | 'too-short'
  /** Not a well-formed RTP packet (header, or padding past the end). */
  | 'malformed';

/** What {@link unwrapRtxPayload} found. */
export type RtxPayloadResult =
  | {
      readonly ok: true;
      /** The original sequence number (16 bits). */
      readonly sequenceNumber: number;
      /** The original payload (a view into the RTX payload). */
      readonly payload: Uint8Array;
    }
  | { readonly ok: false; readonly reason: RtxFailure };

/** What {@link unwrapRtxPacket} found. */
export type RtxPacketResult =
  | {
      readonly ok: true;
      /** The original sequence number (16 bits). */
      readonly sequenceNumber: number;
      /** The original RTP packet, restored (a new buffer). */
      readonly packet: Uint8Array;
    }
  | { readonly ok: false; readonly reason: RtxFailure };

/** RFC 4588 §4: the RTX payload for an original packet: OSN (network order), then the payload. */
export function wrapRtxPayload(originalSequenceNumber: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(RTX_OSN_SIZE + payload.length);
  out[0] = (originalSequenceNumber >> 8) & 0xff;
  out[1] = originalSequenceNumber & 0xff;
  out.set(payload, RTX_OSN_SIZE);
  return out;
}

/**
 * RFC 4588 §4: the original sequence number and payload carried by an RTX payload (padding
 * already removed). Payloads shorter than the OSN are a failure, not an exception.
 */
export function unwrapRtxPayload(rtxPayload: Uint8Array): RtxPayloadResult {
  if (rtxPayload.length < RTX_OSN_SIZE) return { ok: false, reason: 'too-short' };
  return {
    ok: true,
    sequenceNumber: (rtxPayload[0]! << 8) | rtxPayload[1]!,
    payload: rtxPayload.subarray(RTX_OSN_SIZE),
  };
}

/** The end of the payload of the RTP packet `p` whose header is `headerSize` bytes (§5.1 P bit). */
function payloadEnd(p: Uint8Array, headerSize: number): number | undefined {
  if ((p[0]! & 0x20) === 0) return p.length;
  const padding = p[p.length - 1]!;
  // RFC 3550 §5.1: the last octet counts itself; padding cannot reach into the header.
  if (padding === 0 || p.length - padding < headerSize) return undefined;
  return p.length - padding;
}

/**
 * Rewrites the header at the start of `out`: payload type (marker bit kept), sequence number
 * and SSRC replaced, padding bit cleared.
 */
function rewriteHeader(out: Uint8Array, payloadType: number, seq: number, ssrc: number): void {
  out[0] = out[0]! & ~0x20;
  out[1] = (out[1]! & 0x80) | (payloadType & 0x7f);
  out[2] = (seq >> 8) & 0xff;
  out[3] = seq & 0xff;
  out[8] = (ssrc >>> 24) & 0xff;
  out[9] = (ssrc >>> 16) & 0xff;
  out[10] = (ssrc >>> 8) & 0xff;
  out[11] = ssrc & 0xff;
}

/**
 * The RTX packet (RFC 4588 §4) retransmitting `original`, a whole RTP packet before SRTP: the
 * same header (timestamp, marker, CSRCs, header extensions) with the RTX stream's payload
 * type, sequence number and SSRC, and the payload prefixed with the original sequence number.
 * The original's padding is not carried. `undefined` when `original` is not a well-formed RTP
 * packet (a packet from the caller's own history: a bug upstream, not network input).
 */
export function wrapRtxPacket(
  original: Uint8Array,
  rtx: RtxStreamParameters,
): Uint8Array | undefined {
  const headerSize = rtpHeaderSize(original);
  if (headerSize === undefined) return undefined;
  const end = payloadEnd(original, headerSize);
  if (end === undefined) return undefined;
  const out = new Uint8Array(end + RTX_OSN_SIZE);
  out.set(original.subarray(0, headerSize));
  out[headerSize] = original[2]!;
  out[headerSize + 1] = original[3]!;
  out.set(original.subarray(headerSize, end), headerSize + RTX_OSN_SIZE);
  rewriteHeader(out, rtx.payloadType, rtx.sequenceNumber, rtx.ssrc);
  return out;
}

/**
 * The original RTP packet restored from an RTX packet (RFC 4588 §4), a whole RTP packet after
 * SRTP: the header with the original payload type, the OSN as sequence number and the
 * original SSRC, and the payload after the OSN. Too short or malformed input is a failure,
 * never an exception.
 */
export function unwrapRtxPacket(rtx: Uint8Array, original: RtxOriginalParameters): RtxPacketResult {
  const headerSize = rtpHeaderSize(rtx);
  if (headerSize === undefined) return { ok: false, reason: 'malformed' };
  const end = payloadEnd(rtx, headerSize);
  if (end === undefined) return { ok: false, reason: 'malformed' };
  if (end - headerSize < RTX_OSN_SIZE) return { ok: false, reason: 'too-short' };
  const sequenceNumber = (rtx[headerSize]! << 8) | rtx[headerSize + 1]!;
  const out = new Uint8Array(end - RTX_OSN_SIZE);
  out.set(rtx.subarray(0, headerSize));
  out.set(rtx.subarray(headerSize + RTX_OSN_SIZE, end), headerSize);
  rewriteHeader(out, original.payloadType, sequenceNumber, original.ssrc);
  return { ok: true, sequenceNumber, packet: out };
}

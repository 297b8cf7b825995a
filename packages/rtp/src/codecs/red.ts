/**
 * RTP payload for redundant audio data (RFC 2198), as WebRTC uses it for Opus
 * (`a=rtpmap:<pt> red/48000/2`, `a=fmtp:<pt> 111/111`): each packet carries the current frame
 * (the primary encoding) and copies of earlier ones, so that a lost packet's frame comes with
 * the next.
 */

import { RtpConfigurationError } from '../errors.js';
import type { RtpPacket } from '../packet/rtp-packet.js';
import { serializeRtp } from '../packet/serialize.js';
import { parseRtp } from '../packet/rtp-packet.js';

/** One block of a RED payload (RFC 2198 §3). */
export interface RedBlock {
  /** The payload type of the block's encoding. */
  readonly payloadType: number;
  /** How much earlier than the packet's RTP timestamp the block's frame is (0 for the primary). */
  readonly timestampOffset: number;
  /** The block's data (a view into the RED payload). */
  readonly payload: Uint8Array;
}

/** Why a RED payload could not be read. */
export type RedFailure = 'empty' | 'truncated-header' | 'truncated-block';

/**
 * The blocks of a RED payload, oldest (the largest timestamp offset) first as sent, the
 * primary encoding last (RFC 2198 §3: each header but the last is 4 bytes with F = 1 and says
 * the block's payload type, timestamp offset (14 bits) and length (10 bits); the last is 1 byte
 * with F = 0 and the primary's payload type; the blocks follow in the headers' order).
 * Malformed input is a failure, never an exception.
 */
export function parseRedPayload(payload: Uint8Array): RedBlock[] | RedFailure {
  if (payload.length === 0) return 'empty';
  const headers: { payloadType: number; timestampOffset: number; length: number }[] = [];
  let at = 0;
  for (;;) {
    if (at >= payload.length) return 'truncated-header';
    const first = payload[at]!;
    if ((first & 0x80) === 0) {
      headers.push({ payloadType: first & 0x7f, timestampOffset: 0, length: -1 });
      at += 1;
      break;
    }
    if (at + 4 > payload.length) return 'truncated-header';
    const b1 = payload[at + 1]!;
    const b2 = payload[at + 2]!;
    const b3 = payload[at + 3]!;
    headers.push({
      payloadType: first & 0x7f,
      timestampOffset: (b1 << 6) | (b2 >> 2),
      length: ((b2 & 0x03) << 8) | b3,
    });
    at += 4;
  }
  const blocks: RedBlock[] = [];
  for (const h of headers) {
    const end = h.length < 0 ? payload.length : at + h.length;
    if (end > payload.length) return 'truncated-block';
    blocks.push({
      payloadType: h.payloadType,
      timestampOffset: h.timestampOffset,
      payload: payload.subarray(at, end),
    });
    at = end;
  }
  return blocks;
}

/**
 * The RTP packets a RED packet stands for: the primary block as a packet of its own payload
 * type with the RED packet's sequence number and timestamp, and each redundant block (distance
 * `k` counted back from the primary) as the packet of sequence number `seq − k` and timestamp
 * `ts − offset` that it repeats, oldest first, primary last. Only blocks of `payloadType` (the
 * codec RED carries, e.g. Opus's) are kept; an empty block (RFC 2198 allows a length of 0) is
 * skipped. Header extensions and CSRCs are not copied (the redundant frames' were not sent).
 * Returns a failure for a malformed RED payload.
 */
export function unwrapRedPacket(packet: RtpPacket, payloadType: number): RtpPacket[] | RedFailure {
  const blocks = parseRedPayload(packet.payload);
  if (typeof blocks === 'string') return blocks;
  const out: RtpPacket[] = [];
  const last = blocks.length - 1;
  for (const [i, block] of blocks.entries()) {
    if (block.payloadType !== payloadType || block.payload.length === 0) continue;
    const distance = last - i;
    const bytes = serializeRtp({
      payloadType,
      sequenceNumber: (packet.sequenceNumber - distance) & 0xffff,
      timestamp: (packet.timestamp - block.timestampOffset) >>> 0,
      ssrc: packet.ssrc,
      marker: distance === 0 && packet.marker,
      payload: block.payload,
    });
    const parsed = parseRtp(bytes);
    if (typeof parsed !== 'string') out.push(parsed);
  }
  return out;
}

/**
 * A RED payload (RFC 2198 §3) of `primary` with up to 14-bit timestamp offsets and 10-bit
 * lengths for the redundant blocks (given oldest first). Throws {@link RtpConfigurationError}
 * for an offset or a length out of range (a program error).
 */
export function buildRedPayload(
  primary: { readonly payloadType: number; readonly payload: Uint8Array },
  redundant: readonly RedBlock[] = [],
): Uint8Array {
  let size = 1 + primary.payload.length;
  for (const r of redundant) {
    if (r.timestampOffset < 0 || r.timestampOffset > 0x3fff || r.payload.length > 0x3ff)
      throw new RtpConfigurationError(
        'RED: a redundant block needs a timestamp offset below 2^14 and a length below 2^10 (RFC 2198 §3)',
      );
    size += 4 + r.payload.length;
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const r of redundant) {
    out[at] = 0x80 | (r.payloadType & 0x7f);
    out[at + 1] = r.timestampOffset >> 6;
    out[at + 2] = ((r.timestampOffset & 0x3f) << 2) | (r.payload.length >> 8);
    out[at + 3] = r.payload.length & 0xff;
    at += 4;
  }
  out[at++] = primary.payloadType & 0x7f;
  for (const r of redundant) {
    out.set(r.payload, at);
    at += r.payload.length;
  }
  out.set(primary.payload, at);
  return out;
}

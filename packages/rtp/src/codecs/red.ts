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
import type { PayloadPosition, Payloader } from './depacketizer.js';

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

/** RFC 2198 §3: the largest timestamp offset (14 bits) and block length (10 bits). */
const MAX_OFFSET = 0x3fff;
const MAX_LENGTH = 0x3ff;
/** The most earlier payloads a {@link RedEncoder} repeats. */
const MAX_DISTANCE = 3;

/** Options of a {@link RedEncoder}. */
export interface RedEncoderOptions {
  /** The payload type of the encoding RED carries (Opus's, e.g. 111): the type of every block. */
  readonly payloadType: number;
  /**
   * How many earlier payloads each packet repeats (the redundancy distance), 0 to 3. Default
   * 1, as Chromium sends: one lost packet in a row is repaired at the cost of about twice the
   * bitrate.
   */
  readonly distance?: number;
}

/** What a {@link RedEncoder} did, since it was made. */
export interface RedEncoderCounters {
  /** RED payloads made. */
  readonly payloads: number;
  /** Redundant blocks they carried. */
  readonly redundantBlocks: number;
  /**
   * Earlier payloads left out although kept, because they are too far back for a 14-bit
   * timestamp offset (an Opus DTX pause) or not earlier at all.
   */
  readonly skippedOffset: number;
  /** Earlier payloads left out for a length that 10 bits cannot say (1024 bytes or more). */
  readonly skippedLength: number;
  /** Earlier payloads left out because they did not fit the packet's size limit. */
  readonly skippedSize: number;
  /**
   * Earlier payloads missing: the packets just before were not this encoder's (a telephone
   * event among the audio, a gap in forwarded numbers), so nothing older is repeated.
   */
  readonly skippedGap: number;
}

interface Sent {
  readonly sequenceNumber: number;
  readonly timestamp: number;
  readonly payload: Uint8Array;
}

/**
 * Makes RED payloads (RFC 2198) of a stream's payloads, as Chromium sends Opus: each packet
 * carries its own payload (the primary) after copies of the payloads of the `distance` packets
 * just before it, oldest first. A receiver reads a redundant block at distance `k` from the
 * primary as the packet of sequence number `seq − k` (as {@link unwrapRedPacket} does), so the
 * blocks are always the packets right before, without a hole: the run stops at the first
 * earlier payload that is missing (another packet took that sequence number) or that cannot be
 * described or does not fit (RFC 2198 §3: a timestamp offset of 1 to 2^14 − 1, a length below
 * 2^10; the packet's size limit). The primary always goes, so a packet is never lost to RED and
 * never malformed. One encoder a stream: it keeps the last `distance` payloads.
 *
 * ```ts
 * const red = new RedEncoder({ payloadType: 111 }); // red/48000/2 with a=fmtp:63 111/111
 * const payload = red.encode(opusPacket, { sequenceNumber, timestamp }, 1150);
 * ```
 */
export class RedEncoder {
  /** The payload type of the blocks (the encoding RED carries). */
  readonly payloadType: number;
  /** How many earlier payloads a packet repeats at most. */
  readonly distance: number;
  /** The last payloads encoded, newest first. */
  private readonly history: Sent[] = [];
  private readonly counters = {
    payloads: 0,
    redundantBlocks: 0,
    skippedOffset: 0,
    skippedLength: 0,
    skippedSize: 0,
    skippedGap: 0,
  };

  /** Throws {@link RtpConfigurationError} for a payload type or distance out of range. */
  constructor(options: RedEncoderOptions) {
    const distance = options.distance ?? 1;
    if (
      !Number.isInteger(options.payloadType) ||
      options.payloadType < 0 ||
      options.payloadType > 127
    )
      throw new RtpConfigurationError(
        `RedEncoder: payloadType ${options.payloadType} is out of range (an integer from 0 to 127)`,
      );
    if (!Number.isInteger(distance) || distance < 0 || distance > MAX_DISTANCE)
      throw new RtpConfigurationError(
        `RedEncoder: distance ${distance} is out of range (an integer from 0 to ${MAX_DISTANCE})`,
      );
    this.payloadType = options.payloadType;
    this.distance = distance;
  }

  /**
   * The RED payload of `primary`, to be sent in the packet at `position`, with as many of the
   * earlier payloads as the rules above allow and `maxPayloadSize` bytes hold (the primary and
   * its one-byte header always go, even past it). Keeps a copy of `primary` for the next ones.
   */
  encode(
    primary: Uint8Array,
    position: PayloadPosition,
    maxPayloadSize = Number.POSITIVE_INFINITY,
  ): Uint8Array {
    const c = this.counters;
    const redundant: RedBlock[] = [];
    let size = 1 + primary.length;
    for (let k = 1; k <= this.distance; k++) {
      const seq = (position.sequenceNumber - k) & 0xffff;
      const earlier = this.history.find((h) => h.sequenceNumber === seq);
      if (earlier === undefined) {
        // Nothing kept yet (the stream's first packets) is no gap.
        if (this.history.length > 0) c.skippedGap++;
        break;
      }
      const offset = (position.timestamp - earlier.timestamp) >>> 0;
      if (offset === 0 || offset > MAX_OFFSET) {
        c.skippedOffset++;
        break;
      }
      if (earlier.payload.length > MAX_LENGTH) {
        c.skippedLength++;
        break;
      }
      if (size + 4 + earlier.payload.length > maxPayloadSize) {
        c.skippedSize++;
        break;
      }
      size += 4 + earlier.payload.length;
      redundant.unshift({
        payloadType: this.payloadType,
        timestampOffset: offset,
        payload: earlier.payload,
      });
    }
    c.payloads++;
    c.redundantBlocks += redundant.length;
    if (this.distance > 0) {
      this.history.unshift({
        sequenceNumber: position.sequenceNumber & 0xffff,
        timestamp: position.timestamp >>> 0,
        payload: primary.slice(),
      });
      if (this.history.length > this.distance) this.history.length = this.distance;
    }
    return buildRedPayload({ payloadType: this.payloadType, payload: primary }, redundant);
  }

  /**
   * The RED packet that stands for `packet` (a packet of the carried encoding, e.g. one an SFU
   * forwards): its sequence number, timestamp, SSRC, marker bit and CSRCs, payload type
   * `redPayloadType`, and its payload encoded as {@link RedEncoder.encode} does. Header
   * extensions and padding are not copied.
   */
  wrap(packet: RtpPacket, redPayloadType: number, maxPayloadSize?: number): RtpPacket {
    const payload = this.encode(packet.payload, packet, maxPayloadSize);
    const bytes = serializeRtp({
      payloadType: redPayloadType,
      sequenceNumber: packet.sequenceNumber,
      timestamp: packet.timestamp,
      ssrc: packet.ssrc,
      marker: packet.marker,
      ...(packet.csrcs.length > 0 ? { csrcs: packet.csrcs } : {}),
      payload,
    });
    const parsed = parseRtp(bytes);
    // What serializeRtp wrote always parses.
    if (typeof parsed === 'string') throw new RtpConfigurationError(`RedEncoder.wrap: ${parsed}`);
    return parsed;
  }

  /** Forgets the payloads kept: the next packet repeats none (a new source, a new numbering). */
  reset(): void {
    this.history.length = 0;
  }

  /** What it did so far (a copy). */
  get stats(): RedEncoderCounters {
    return { ...this.counters };
  }
}

/**
 * A payloader that sends another one's payloads as RED (RFC 2198), e.g. Opus with the previous
 * packet's frame repeated, in a stream whose payload type is RED's: each payload of `primary`
 * goes through a {@link RedEncoder}. The primary payloader gets one byte less than the limit
 * (the RED header), so a frame that fits plain fits as RED; redundancy only takes the room
 * that is left. Without a `position` (a caller that does not say where the packets go) the
 * payloads go as RED without redundancy.
 */
export class RedPayloader implements Payloader {
  /** The encoder, for its counters. */
  readonly encoder: RedEncoder;

  /**
   * `primary` makes the payloads RED carries (one per stream, e.g. an `OpusPayloader`);
   * `options` as {@link RedEncoder}'s. Throws {@link RtpConfigurationError} like it.
   */
  constructor(
    private readonly primary: Payloader,
    options: RedEncoderOptions,
  ) {
    this.encoder = new RedEncoder(options);
  }

  /** The RED payloads of `frame` (see {@link RedEncoder.encode}). */
  packetize(frame: Uint8Array, maxPayloadSize: number, position?: PayloadPosition): Uint8Array[] {
    const payloads = this.primary.packetize(frame, maxPayloadSize - 1, position);
    if (position === undefined) {
      this.encoder.reset();
      return payloads.map((p) =>
        buildRedPayload({ payloadType: this.encoder.payloadType, payload: p }),
      );
    }
    return payloads.map((p, i) =>
      this.encoder.encode(
        p,
        { sequenceNumber: (position.sequenceNumber + i) & 0xffff, timestamp: position.timestamp },
        maxPayloadSize,
      ),
    );
  }
}

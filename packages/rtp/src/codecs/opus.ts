/**
 * Opus over RTP (RFC 7587). One Opus packet (RFC 6716 §3) per RTP payload, never split and never
 * aggregated (RFC 7587 §4.2), so every payload is a whole frame and every frame can be decoded
 * alone.
 */

import { RtpConfigurationError } from '../errors.js';
import type { Depacketizer, Payloader } from './depacketizer.js';

/**
 * Reassembles Opus frames: exactly one non-empty payload a frame (RFC 6716 §3.1: an Opus
 * packet has at least its TOC byte). Start, end and keyframe are always true.
 */
export class OpusDepacketizer implements Depacketizer {
  /** Always true: RFC 7587 §4.2, one Opus packet a payload. */
  isFrameStart(_payload: Uint8Array): boolean {
    return true;
  }

  /** Always true: a payload is a whole frame. */
  isFrameEnd(_payload: Uint8Array, _marker: boolean): boolean {
    return true;
  }

  /** Always true: every Opus packet is decodable on its own. */
  isKeyframe(_payload: Uint8Array): boolean {
    return true;
  }

  /** A copy of the single payload, or `undefined` for none, several, or an empty one. */
  assemble(payloads: readonly Uint8Array[]): Uint8Array | undefined {
    if (payloads.length !== 1) return undefined;
    const payload = payloads[0]!;
    if (payload.length === 0) return undefined;
    return payload.slice();
  }
}

/** Sends one Opus packet as one RTP payload (RFC 7587 §4.2). */
export class OpusPayloader implements Payloader {
  /**
   * `[frame]`, as a copy. Throws {@link RtpConfigurationError} for an empty frame or one larger
   * than `maxPayloadSize` (an Opus packet cannot be fragmented: lower the encoder's bitrate or
   * frame duration instead).
   */
  packetize(frame: Uint8Array, maxPayloadSize: number): Uint8Array[] {
    if (frame.length === 0) {
      throw new RtpConfigurationError('An Opus packet has at least one byte (RFC 6716 §3.1).');
    }
    if (!(frame.length <= maxPayloadSize)) {
      throw new RtpConfigurationError(
        `An Opus packet of ${frame.length} bytes does not fit a payload of ${maxPayloadSize} bytes and cannot be fragmented (RFC 7587 §4.2): encode smaller packets.`,
      );
    }
    return [frame.slice()];
  }
}

/**
 * VP9 payloader (RFC 9628 §4.2, §4.4) in non-flexible mode, for a stream of one spatial and one
 * temporal layer, and the few bits of the VP9 uncompressed header (VP9 bitstream specification
 * §6.2) it reads to tell keyframes and their size.
 */

import { RtpConfigurationError } from '../errors.js';
import type { Payloader } from './depacketizer.js';
import { splitSizes } from './split.js';

/** What the uncompressed header of a VP9 frame says about it. */
export interface Vp9FrameInfo {
  /** frame_type is KEY_FRAME (and show_existing_frame is 0). */
  readonly keyframe: boolean;
  /** The frame width, on a keyframe. */
  readonly width: number | undefined;
  /** The frame height, on a keyframe. */
  readonly height: number | undefined;
}

/**
 * Reads the start of a VP9 uncompressed header (VP9 bitstream §6.2: frame_marker, profile,
 * show_existing_frame, frame_type, then on a keyframe frame_sync_code, color_config and
 * frame_size). Returns `undefined` when `frame` does not start with a VP9 frame header. For a
 * superframe (§B.3) this describes its first frame.
 */
export function parseVp9FrameInfo(frame: Uint8Array): Vp9FrameInfo | undefined {
  let bit = 0;
  const total = frame.length * 8;
  const read = (n: number): number => {
    let value = 0;
    for (let i = 0; i < n; i++, bit++) {
      if (bit >= total) return -1;
      value = (value << 1) | ((frame[bit >> 3]! >> (7 - (bit & 7))) & 1);
    }
    return value;
  };
  if (read(2) !== 2) return undefined;
  const low = read(1);
  const profile = (read(1) << 1) | low;
  if (profile === 3 && read(1) !== 0) return undefined;
  const showExisting = read(1);
  if (showExisting !== 0) {
    return showExisting === 1
      ? { keyframe: false, width: undefined, height: undefined }
      : undefined;
  }
  const frameType = read(1);
  if (read(2) < 0 || frameType < 0) return undefined;
  if (frameType !== 0) return { keyframe: false, width: undefined, height: undefined };
  if (read(8) !== 0x49 || read(8) !== 0x83 || read(8) !== 0x42) return undefined;
  if (profile >= 2) read(1);
  const colorSpace = read(3);
  if (colorSpace !== 7) read(1);
  if (profile === 1 || profile === 3) read(colorSpace !== 7 ? 3 : 1);
  const width = read(16);
  const height = read(16);
  if (width < 0 || height < 0) return undefined;
  return { keyframe: true, width: width + 1, height: height + 1 };
}

/** Options of {@link Vp9Payloader}. */
export interface Vp9PayloaderOptions {
  /** The picture id of the first frame (15 bits); default random. It grows by one a frame. */
  readonly initialPictureId?: number;
}

/**
 * Packetizes VP9 frames of a single-layer stream in non-flexible mode (RFC 9628 §4.2), as
 * libwebrtc does for one layer: every packet has I=1 with a 15-bit picture id, P=0 on keyframes
 * and 1 otherwise, B on the first packet and E on the last, no layer indices (L=0). The first
 * packet of a keyframe carries a scalability structure (V=1, §4.2.1): one spatial layer, its
 * resolution read from the frame header (Y=1), and a picture group of one picture in temporal
 * layer 0 that references the previous one (G=1, N_G=1, T=0, U=0, R=1, P_DIFF=1).
 */
export class Vp9Payloader implements Payloader {
  #pictureId: number;

  /** A payloader whose first frame carries `options.initialPictureId`. */
  constructor(options: Vp9PayloaderOptions = {}) {
    this.#pictureId = (options.initialPictureId ?? Math.floor(Math.random() * 0x8000)) & 0x7fff;
  }

  /** The picture id the next frame will carry. */
  get pictureId(): number {
    return this.#pictureId;
  }

  /**
   * The payloads of `frame`. Throws {@link RtpConfigurationError} when `frame` does not start
   * with a VP9 frame header or `maxPayloadSize` leaves no room after the descriptor (3 bytes,
   * 11 on a keyframe's first packet).
   */
  packetize(frame: Uint8Array, maxPayloadSize: number): Uint8Array[] {
    const info = parseVp9FrameInfo(frame);
    if (info === undefined) {
      throw new RtpConfigurationError(
        `A VP9 frame of ${frame.length} bytes does not start with a VP9 frame header (VP9 bitstream §6.2).`,
      );
    }
    const max = Math.floor(maxPayloadSize);
    const ss = info.keyframe ? 8 : 0;
    if (!(max - 3 - ss >= 1)) {
      throw new RtpConfigurationError(
        `maxPayloadSize ${maxPayloadSize} leaves no room for VP9 data after the ${3 + ss}-byte descriptor.`,
      );
    }
    const pictureId = this.#pictureId;
    this.#pictureId = (pictureId + 1) & 0x7fff;
    const sizes = splitSizes(frame.length, max - 3 - ss, max - 3);
    const payloads: Uint8Array[] = [];
    let at = 0;
    for (let i = 0; i < sizes.length; i++) {
      const take = sizes[i]!;
      const first = i === 0;
      const header = first ? 3 + ss : 3;
      const payload = new Uint8Array(header + take);
      payload[0] =
        0x80 |
        (info.keyframe ? 0 : 0x40) |
        (first ? 0x08 : 0) |
        (i === sizes.length - 1 ? 0x04 : 0) |
        (first && ss > 0 ? 0x02 : 0);
      payload[1] = 0x80 | (pictureId >> 8);
      payload[2] = pictureId & 0xff;
      if (first && ss > 0) {
        const width = info.width! & 0xffff;
        const height = info.height! & 0xffff;
        payload[3] = 0x18; // N_S = 0, Y = 1, G = 1
        payload[4] = width >> 8;
        payload[5] = width & 0xff;
        payload[6] = height >> 8;
        payload[7] = height & 0xff;
        payload[8] = 1; // N_G
        payload[9] = 0x04; // T = 0, U = 0, R = 1
        payload[10] = 1; // P_DIFF
      }
      payload.set(frame.subarray(at, at + take), header);
      at += take;
      payloads.push(payload);
    }
    return payloads;
  }
}

/**
 * VP8 over RTP (RFC 7741): the payload descriptor (§4.2), the VP8 payload header (§4.3) and the
 * rules for frames split across packets (§4.4, §4.5).
 */

import { RtpConfigurationError } from '../errors.js';
import type { Depacketizer, Payloader } from './depacketizer.js';
import { splitSizes } from './split.js';
import { readPictureId } from './picture-id.js';

/** The RFC 7741 §4.2 payload descriptor of one packet. */
export interface Vp8Descriptor {
  /** N: a non-reference frame, which may be discarded without hurting other frames. */
  nonReference: boolean;
  /** S: the first payload byte starts a VP8 partition. */
  startOfPartition: boolean;
  /** PID: the partition index (0..7) of the first payload byte. */
  partitionIndex: number;
  /** PictureID (7 or 15 bits), when the I bit is set. */
  pictureId: number | undefined;
  /** 7 or 15 when {@link Vp8Descriptor.pictureId} is present (the M bit), otherwise 0. */
  pictureIdBits: number;
  /** TL0PICIDX, when the L bit is set. */
  tl0PicIdx: number | undefined;
  /** TID, when the T bit is set. */
  temporalId: number | undefined;
  /** Y (layer sync), meaningful when the T bit is set. */
  layerSync: boolean;
  /** KEYIDX, when the K bit is set. */
  keyIndex: number | undefined;
  /** The descriptor's length: the VP8 payload starts at this offset. */
  size: number;
}

/** A fresh descriptor to read into. */
function emptyDescriptor(): Vp8Descriptor {
  return {
    nonReference: false,
    startOfPartition: false,
    partitionIndex: 0,
    pictureId: undefined,
    pictureIdBits: 0,
    tl0PicIdx: undefined,
    temporalId: undefined,
    layerSync: false,
    keyIndex: undefined,
    size: 0,
  };
}

/**
 * Reads the descriptor of `payload` into `out`; false when it is truncated or no VP8 payload
 * byte follows it (RFC 7741 §4.2: the X, I, L, T and K fields are optional octets).
 */
export function readVp8Descriptor(payload: Uint8Array, out: Vp8Descriptor): boolean {
  const length = payload.length;
  if (length < 2) return false;
  const b0 = payload[0]!;
  out.nonReference = (b0 & 0x20) !== 0;
  out.startOfPartition = (b0 & 0x10) !== 0;
  out.partitionIndex = b0 & 0x07;
  out.pictureId = undefined;
  out.pictureIdBits = 0;
  out.tl0PicIdx = undefined;
  out.temporalId = undefined;
  out.layerSync = false;
  out.keyIndex = undefined;
  let at = 1;
  if ((b0 & 0x80) !== 0) {
    const x = payload[at++]!;
    if ((x & 0x80) !== 0) {
      at = readPictureId(payload, at, length, out);
      if (at < 0) return false;
    }
    if ((x & 0x40) !== 0) {
      if (at >= length) return false;
      out.tl0PicIdx = payload[at++]!;
    }
    if ((x & 0x30) !== 0) {
      if (at >= length) return false;
      const tk = payload[at++]!;
      if ((x & 0x20) !== 0) {
        out.temporalId = tk >> 6;
        out.layerSync = (tk & 0x20) !== 0;
      }
      if ((x & 0x10) !== 0) out.keyIndex = tk & 0x1f;
    }
  }
  out.size = at;
  return at < length;
}

/** The descriptor of `payload`, or `undefined` when it does not parse (RFC 7741 §4.2). */
export function parseVp8Descriptor(payload: Uint8Array): Vp8Descriptor | undefined {
  const out = emptyDescriptor();
  return readVp8Descriptor(payload, out) ? out : undefined;
}

/** RFC 7741 §4.3 / RFC 6386 §9.1: the 3-byte frame tag, and 7 more bytes on a keyframe. */
function isPlausibleVp8Frame(frame: Uint8Array): boolean {
  if (frame.length < 3) return false;
  const b0 = frame[0]!;
  const firstPartitionSize = (b0 >> 5) | (frame[1]! << 3) | (frame[2]! << 11);
  if ((b0 & 0x01) === 0) {
    // Keyframe: start code 9d 01 2a, then 14-bit width and height with their scales.
    if (frame.length < 10 || frame[3] !== 0x9d || frame[4] !== 0x01 || frame[5] !== 0x2a) {
      return false;
    }
    return firstPartitionSize <= frame.length - 10;
  }
  return firstPartitionSize <= frame.length - 3;
}

/**
 * Reassembles VP8 frames. A frame starts with S=1 and PID=0 (RFC 7741 §4.4), ends with the
 * marker bit, and is a keyframe when the P bit of its payload header is 0 (§4.3).
 */
export class Vp8Depacketizer implements Depacketizer {
  readonly #d = emptyDescriptor();

  /** S=1 and PID=0: the packet starts the first partition of a frame (RFC 7741 §4.4). */
  isFrameStart(payload: Uint8Array): boolean {
    const d = this.#d;
    return readVp8Descriptor(payload, d) && d.startOfPartition && d.partitionIndex === 0;
  }

  /** The marker bit (RFC 7741 §4.1). */
  isFrameEnd(_payload: Uint8Array, marker: boolean): boolean {
    return marker;
  }

  /** A frame start whose VP8 payload header has P=0 (RFC 7741 §4.3). */
  isKeyframe(payload: Uint8Array): boolean {
    const d = this.#d;
    if (!readVp8Descriptor(payload, d) || !d.startOfPartition || d.partitionIndex !== 0) {
      return false;
    }
    return (payload[d.size]! & 0x01) === 0;
  }

  /**
   * The VP8 frame, or `undefined` when: a descriptor does not parse, the first packet is not a
   * frame start, a later one starts the frame again or restarts a partition (RFC 7741 §4.2: S
   * only on the first packet of a PID), partition indices go backwards, picture ids or
   * TL0PICIDX differ between packets, or the frame is shorter than its payload header says.
   */
  assemble(payloads: readonly Uint8Array[]): Uint8Array | undefined {
    const d = this.#d;
    const count = payloads.length;
    if (count === 0) return undefined;
    let size = 0;
    let previousPid = -1;
    let pictureId: number | undefined;
    let tl0PicIdx: number | undefined;
    for (let i = 0; i < count; i++) {
      const payload = payloads[i]!;
      if (!readVp8Descriptor(payload, d)) return undefined;
      if (i === 0) {
        if (!d.startOfPartition || d.partitionIndex !== 0) return undefined;
        pictureId = d.pictureId;
        tl0PicIdx = d.tl0PicIdx;
      } else {
        if (d.partitionIndex < previousPid) return undefined;
        if (d.startOfPartition && d.partitionIndex === previousPid) return undefined;
        if (d.pictureId !== pictureId || d.tl0PicIdx !== tl0PicIdx) return undefined;
      }
      previousPid = d.partitionIndex;
      size += payload.length - d.size;
    }
    const frame = new Uint8Array(size);
    let at = 0;
    for (let i = 0; i < count; i++) {
      const payload = payloads[i]!;
      readVp8Descriptor(payload, d);
      frame.set(payload.subarray(d.size), at);
      at += payload.length - d.size;
    }
    return isPlausibleVp8Frame(frame) ? frame : undefined;
  }
}

/** Options of {@link Vp8Payloader}. */
export interface Vp8PayloaderOptions {
  /**
   * The PictureID field (RFC 7741 §4.2): 15 bits (default, what libwebrtc sends), 7 bits, or 0
   * for none.
   */
  readonly pictureIdBits?: 0 | 7 | 15;
  /** The picture id of the first frame; default random. It grows by one a frame and wraps. */
  readonly initialPictureId?: number;
}

/**
 * Packetizes VP8 frames: the whole frame as partition 0, S=1 on its first packet, X and I set
 * with a picture id that grows by one each frame (RFC 7741 §4.2), split into payloads of nearly
 * equal size.
 */
export class Vp8Payloader implements Payloader {
  readonly #bits: number;
  #pictureId: number;

  /** Throws {@link RtpConfigurationError} for a picture id size other than 0, 7 or 15. */
  constructor(options: Vp8PayloaderOptions = {}) {
    const bits = options.pictureIdBits ?? 15;
    if (bits !== 0 && bits !== 7 && bits !== 15) {
      throw new RtpConfigurationError(`pictureIdBits must be 0, 7 or 15, got ${String(bits)}.`);
    }
    this.#bits = bits;
    const mask = bits === 7 ? 0x7f : 0x7fff;
    this.#pictureId = (options.initialPictureId ?? Math.floor(Math.random() * 0x8000)) & mask;
  }

  /** The picture id the next frame will carry. */
  get pictureId(): number {
    return this.#pictureId;
  }

  /**
   * The payloads of `frame`. Throws {@link RtpConfigurationError} when `frame` is not a VP8
   * frame (shorter than its RFC 6386 §9.1 frame tag, a keyframe without its start code, or a
   * first partition longer than the frame) or `maxPayloadSize` leaves no room after the
   * descriptor.
   */
  packetize(frame: Uint8Array, maxPayloadSize: number): Uint8Array[] {
    if (!isPlausibleVp8Frame(frame)) {
      throw new RtpConfigurationError(
        `A VP8 frame of ${frame.length} bytes does not start with a valid frame tag (RFC 6386 §9.1).`,
      );
    }
    const bits = this.#bits;
    const headerSize = bits === 15 ? 4 : bits === 7 ? 3 : 1;
    const capacity = Math.floor(maxPayloadSize) - headerSize;
    if (!(capacity >= 1)) {
      throw new RtpConfigurationError(
        `maxPayloadSize ${maxPayloadSize} leaves no room for VP8 data after a ${headerSize}-byte descriptor.`,
      );
    }
    const pictureId = this.#pictureId;
    this.#pictureId = (pictureId + 1) & (bits === 7 ? 0x7f : 0x7fff);
    const sizes = splitSizes(frame.length, capacity, capacity);
    const payloads: Uint8Array[] = [];
    let at = 0;
    for (let i = 0; i < sizes.length; i++) {
      const take = sizes[i]!;
      const payload = new Uint8Array(headerSize + take);
      payload[0] = (bits === 0 ? 0 : 0x80) | (i === 0 ? 0x10 : 0);
      if (bits === 15) {
        payload[1] = 0x80;
        payload[2] = 0x80 | (pictureId >> 8);
        payload[3] = pictureId & 0xff;
      } else if (bits === 7) {
        payload[1] = 0x80;
        payload[2] = pictureId;
      }
      payload.set(frame.subarray(at, at + take), headerSize);
      at += take;
      payloads.push(payload);
    }
    return payloads;
  }
}

/**
 * PCMU and PCMA, G.711 μ-law and A-law audio (RFC 3551 §4.5.14): one byte a sample at 8 kHz,
 * so a payload is any whole number of samples and the RTP timestamp advances by its length.
 */

import { RtpConfigurationError } from '../errors.js';
import type { Depacketizer, Payloader } from './depacketizer.js';

/** Options of {@link G711Payloader}. */
export interface G711PayloaderOptions {
  /**
   * Samples (bytes) in each payload; the last payload of a frame may be shorter. Default 160:
   * 20 ms at 8 kHz, the RFC 3551 §4.5 default packetization interval.
   */
  readonly samplesPerPacket?: number;
}

/**
 * Reassembles G.711 audio. Every payload is a frame of its own (start, end and keyframe are
 * always true); `assemble` also accepts several payloads and concatenates their samples.
 */
export class G711Depacketizer implements Depacketizer {
  /** Always true: any run of samples can be played alone. */
  isFrameStart(_payload: Uint8Array): boolean {
    return true;
  }

  /** Always true. */
  isFrameEnd(_payload: Uint8Array, _marker: boolean): boolean {
    return true;
  }

  /** Always true. */
  isKeyframe(_payload: Uint8Array): boolean {
    return true;
  }

  /** The samples of `payloads` in order, or `undefined` for no payload or an empty one. */
  assemble(payloads: readonly Uint8Array[]): Uint8Array | undefined {
    let size = 0;
    for (const payload of payloads) {
      if (payload.length === 0) return undefined;
      size += payload.length;
    }
    if (size === 0) return undefined;
    const frame = new Uint8Array(size);
    let at = 0;
    for (const payload of payloads) {
      frame.set(payload, at);
      at += payload.length;
    }
    return frame;
  }
}

/** Splits G.711 samples into payloads of {@link G711PayloaderOptions.samplesPerPacket} samples. */
export class G711Payloader implements Payloader {
  readonly #samplesPerPacket: number;

  /** Throws {@link RtpConfigurationError} when `samplesPerPacket` is not a positive integer. */
  constructor(options: G711PayloaderOptions = {}) {
    const samples = options.samplesPerPacket ?? 160;
    if (!Number.isInteger(samples) || samples < 1) {
      throw new RtpConfigurationError(
        `samplesPerPacket must be a positive integer, got ${samples}.`,
      );
    }
    this.#samplesPerPacket = samples;
  }

  /**
   * Payloads of at most `min(samplesPerPacket, maxPayloadSize)` samples; each payload's
   * timestamp is the previous one's plus its length. Throws {@link RtpConfigurationError} for
   * an empty frame or a `maxPayloadSize` below 1.
   */
  packetize(frame: Uint8Array, maxPayloadSize: number): Uint8Array[] {
    if (frame.length === 0) {
      throw new RtpConfigurationError('A G.711 frame has at least one sample.');
    }
    if (!(maxPayloadSize >= 1)) {
      throw new RtpConfigurationError(
        `maxPayloadSize must be at least 1 byte for G.711, got ${maxPayloadSize}.`,
      );
    }
    const step = Math.min(this.#samplesPerPacket, Math.floor(maxPayloadSize));
    const payloads: Uint8Array[] = [];
    for (let at = 0; at < frame.length; at += step) {
      payloads.push(frame.slice(at, at + step));
    }
    return payloads;
  }
}

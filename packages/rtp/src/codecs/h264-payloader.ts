/**
 * H.264 payloader (RFC 6184): Annex B access units in, single NAL unit packets, STAP-A and
 * FU-A out (packetization-mode 1, §6.3), or single NAL units only (mode 0, §6.2).
 */

import { RtpConfigurationError } from '../errors.js';
import type { Payloader } from './depacketizer.js';
import { H264NalType } from './h264.js';
import { splitSizes } from './split.js';

/** Options of {@link H264Payloader}. */
export interface H264PayloaderOptions {
  /**
   * RFC 6184 §6 packetization-mode: 1 (default) aggregates small NAL units into STAP-A and
   * fragments large ones into FU-A; 0 sends each NAL unit in its own packet and throws when
   * one does not fit.
   */
  readonly packetizationMode?: 0 | 1;
  /** Send access unit delimiters (type 9) rather than drop them; default false. */
  readonly keepAccessUnitDelimiters?: boolean;
  /**
   * Put the last SPS and PPS sent in front of an IDR slice whose access unit comes without them
   * (Chromium and pion do the same), so a receiver can decode from any keyframe; default true.
   */
  readonly insertParameterSets?: boolean;
}

/**
 * The NAL units of an Annex B byte stream (H.264 §B.2): the bytes between start codes
 * (00 00 01, or 00 00 00 01), trailing zero bytes removed (§7.4.1: a NAL unit never ends with
 * 00), empty ones skipped. Throws {@link RtpConfigurationError} when the stream does not begin
 * with a start code (after leading zero bytes).
 */
export function splitAnnexB(stream: Uint8Array): Uint8Array[] {
  const nals: Uint8Array[] = [];
  if (stream.length === 0) return nals;
  // Buffer#indexOf searches natively, much faster than a loop over every byte.
  const bytes = Buffer.from(stream.buffer, stream.byteOffset, stream.length);
  let at = bytes.indexOf(START_CODE);
  if (at < 0) throw notAnnexB();
  for (let k = 0; k < at; k++) {
    if (stream[k] !== 0) throw notAnnexB();
  }
  while (at >= 0) {
    const start = at + 3;
    at = bytes.indexOf(START_CODE, start);
    pushNal(nals, stream, start, at < 0 ? stream.length : at);
  }
  return nals;
}

const START_CODE = Uint8Array.of(0, 0, 1);

function pushNal(nals: Uint8Array[], stream: Uint8Array, start: number, end: number): void {
  while (end > start && stream[end - 1] === 0) end--;
  if (end > start) nals.push(stream.subarray(start, end));
}

function notAnnexB(): RtpConfigurationError {
  return new RtpConfigurationError(
    'An H.264 frame must be an Annex B byte stream starting with a 00 00 01 start code (H.264 §B.2).',
  );
}

/**
 * Packetizes H.264 access units given in Annex B format. Drops access unit delimiters (unless
 * kept) and filler data (type 12, RTP has padding of its own), remembers the last SPS and PPS
 * to put them in front of an IDR that comes without, then in mode 1 aggregates consecutive NAL
 * units that fit one packet into a STAP-A (RFC 6184 §5.7.1) and fragments a NAL unit larger
 * than a packet into FU-A of nearly equal sizes (§5.8).
 */
export class H264Payloader implements Payloader {
  readonly #mode: 0 | 1;
  readonly #keepAud: boolean;
  readonly #insert: boolean;
  #sps: Uint8Array | undefined;
  #pps: Uint8Array | undefined;

  /** A payloader with `options`. */
  constructor(options: H264PayloaderOptions = {}) {
    this.#mode = options.packetizationMode ?? 1;
    this.#keepAud = options.keepAccessUnitDelimiters ?? false;
    this.#insert = options.insertParameterSets ?? true;
  }

  /**
   * The payloads of the access unit `frame` (empty when it holds nothing to send, e.g. only a
   * delimiter). Throws {@link RtpConfigurationError} when `frame` is empty or not an Annex B
   * stream, holds a NAL unit with the forbidden bit set or of a type H.264 leaves unspecified
   * (0, 24 to 31), or `maxPayloadSize` is too small: under 3 bytes for a FU-A, or under a NAL
   * unit in mode 0.
   */
  packetize(frame: Uint8Array, maxPayloadSize: number): Uint8Array[] {
    const max = Math.floor(maxPayloadSize);
    if (!(max >= 1)) {
      throw new RtpConfigurationError(`maxPayloadSize must be at least 1, got ${maxPayloadSize}.`);
    }
    const all = splitAnnexB(frame);
    if (all.length === 0) {
      throw new RtpConfigurationError('An H.264 access unit holds at least one NAL unit.');
    }
    const nals: Uint8Array[] = [];
    let haveSps = false;
    let havePps = false;
    for (const nal of all) {
      const header = nal[0]!;
      const type = header & 0x1f;
      if ((header & 0x80) !== 0 || type === 0 || type >= 24) {
        throw new RtpConfigurationError(
          `An H.264 NAL unit with header 0x${header.toString(16)} is not valid in an Annex B stream (H.264 §7.4.1).`,
        );
      }
      if (type === H264NalType.Filler) continue;
      if (type === H264NalType.Aud && !this.#keepAud) continue;
      if (type === H264NalType.Sps) {
        haveSps = true;
        this.#sps = nal.slice();
      } else if (type === H264NalType.Pps) {
        havePps = true;
        this.#pps = nal.slice();
      } else if (type === H264NalType.Idr && this.#insert) {
        if (!haveSps && this.#sps !== undefined) nals.push(this.#sps);
        if (!havePps && this.#pps !== undefined) nals.push(this.#pps);
        haveSps = true;
        havePps = true;
      }
      nals.push(nal);
    }
    const payloads: Uint8Array[] = [];
    for (let i = 0; i < nals.length; ) {
      const nal = nals[i]!;
      if (nal.length > max) {
        if (this.#mode === 0) {
          throw new RtpConfigurationError(
            `A NAL unit of ${nal.length} bytes does not fit a payload of ${max} bytes in packetization-mode 0 (RFC 6184 §6.2).`,
          );
        }
        fragment(nal, max, payloads);
        i++;
        continue;
      }
      let end = i + 1;
      let stapSize = 1 + 2 + nal.length;
      if (this.#mode === 1) {
        while (end < nals.length && stapSize + 2 + nals[end]!.length <= max) {
          stapSize += 2 + nals[end]!.length;
          end++;
        }
      }
      payloads.push(end - i === 1 ? nal.slice() : aggregate(nals, i, end, stapSize));
      i = end;
    }
    return payloads;
  }
}

/** RFC 6184 §5.7.1: a STAP-A of `nals[from..to)`, F the OR and NRI the maximum of theirs. */
function aggregate(
  nals: readonly Uint8Array[],
  from: number,
  to: number,
  size: number,
): Uint8Array {
  const payload = new Uint8Array(size);
  let f = 0;
  let nri = 0;
  let at = 1;
  for (let i = from; i < to; i++) {
    const nal = nals[i]!;
    f |= nal[0]! & 0x80;
    nri = Math.max(nri, nal[0]! & 0x60);
    payload[at] = nal.length >> 8;
    payload[at + 1] = nal.length & 0xff;
    payload.set(nal, at + 2);
    at += 2 + nal.length;
  }
  payload[0] = f | nri | H264NalType.StapA;
  return payload;
}

/** RFC 6184 §5.8: FU-A fragments of `nal`, which is larger than `max` (at least 3). */
function fragment(nal: Uint8Array, max: number, payloads: Uint8Array[]): void {
  if (max < 3) {
    throw new RtpConfigurationError(
      `maxPayloadSize ${max} is too small for a FU-A fragment (2 header bytes and 1 data byte).`,
    );
  }
  const header = nal[0]!;
  const indicator = (header & 0xe0) | H264NalType.FuA;
  const sizes = splitSizes(nal.length - 1, max - 2, max - 2);
  let at = 1;
  for (let i = 0; i < sizes.length; i++) {
    const take = sizes[i]!;
    const payload = new Uint8Array(2 + take);
    payload[0] = indicator;
    payload[1] = (i === 0 ? 0x80 : 0) | (i === sizes.length - 1 ? 0x40 : 0) | (header & 0x1f);
    payload.set(nal.subarray(at, at + take), 2);
    at += take;
    payloads.push(payload);
  }
}

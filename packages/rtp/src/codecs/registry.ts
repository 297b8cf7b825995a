/**
 * Depacketizers and payloaders by media type name (RFC 6838 §4.2: compared without regard to
 * case), for the layers that know a codec only from SDP.
 */

import { type Av1DepacketizerOptions, Av1Depacketizer } from './av1.js';
import { type Av1PayloaderOptions, Av1Payloader } from './av1-payloader.js';
import type { Depacketizer, Payloader } from './depacketizer.js';
import { G711Depacketizer, G711Payloader, type G711PayloaderOptions } from './g711.js';
import { H264Depacketizer } from './h264.js';
import { H264Payloader, type H264PayloaderOptions } from './h264-payloader.js';
import { OpusDepacketizer, OpusPayloader } from './opus.js';
import { Vp8Depacketizer, Vp8Payloader, type Vp8PayloaderOptions } from './vp8.js';
import { Vp9Depacketizer } from './vp9.js';
import { Vp9Payloader, type Vp9PayloaderOptions } from './vp9-payloader.js';

/** The media types {@link depacketizerFor} and {@link payloaderFor} know, in their usual case. */
export const SUPPORTED_MIME_TYPES = [
  'audio/opus',
  'audio/PCMU',
  'audio/PCMA',
  'video/VP8',
  'video/VP9',
  'video/H264',
  'video/AV1',
] as const;

/** Options of {@link depacketizerFor}; each applies to its codec only. */
export type DepacketizerOptions = Av1DepacketizerOptions;

/**
 * Options of {@link payloaderFor}; each applies to its codec only (`initialPictureId` to VP8
 * and VP9).
 */
export type PayloaderOptions = G711PayloaderOptions &
  Vp8PayloaderOptions &
  Vp9PayloaderOptions &
  H264PayloaderOptions &
  Av1PayloaderOptions;

/** A new depacketizer for `mimeType` (e.g. 'video/VP8', any case), or `undefined` if unknown. */
export function depacketizerFor(
  mimeType: string,
  options: DepacketizerOptions = {},
): Depacketizer | undefined {
  switch (mimeType.toLowerCase()) {
    case 'audio/opus':
      return new OpusDepacketizer();
    case 'audio/pcmu':
    case 'audio/pcma':
      return new G711Depacketizer();
    case 'video/vp8':
      return new Vp8Depacketizer();
    case 'video/vp9':
      return new Vp9Depacketizer();
    case 'video/h264':
      return new H264Depacketizer();
    case 'video/av1':
      return new Av1Depacketizer(options);
    default:
      return undefined;
  }
}

/**
 * A new payloader for `mimeType` (any case), or `undefined` if unknown. Use one per outgoing
 * stream: VP8, VP9 and H.264 payloaders keep state between frames. Throws
 * `RtpConfigurationError` for an invalid option.
 */
export function payloaderFor(
  mimeType: string,
  options: PayloaderOptions = {},
): Payloader | undefined {
  switch (mimeType.toLowerCase()) {
    case 'audio/opus':
      return new OpusPayloader();
    case 'audio/pcmu':
    case 'audio/pcma':
      return new G711Payloader(options);
    case 'video/vp8':
      return new Vp8Payloader(options);
    case 'video/vp9':
      return new Vp9Payloader(options);
    case 'video/h264':
      return new H264Payloader(options);
    case 'video/av1':
      return new Av1Payloader(options);
    default:
      return undefined;
  }
}

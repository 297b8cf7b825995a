/**
 * Typed header extension values: read from a parsed packet, rewritten in place (same length,
 * no re-serialization: an SFU setting the transport-wide sequence number of a forwarded
 * packet), and built as elements for {@link serializeRtp}. Every reader takes the session's id
 * (`undefined` when the extension was not negotiated) and returns `undefined` when the element
 * is absent or does not have the value's exact size; it never throws.
 */

import { RtpConfigurationError } from '../errors.js';
import type { RtpHeaderExtension } from './header-extension.js';
import type { RtpPacket } from './rtp-packet.js';

/** Offset of the value of element `id` when it has exactly `size` bytes, else -1. */
export function locate(packet: RtpPacket, id: number | undefined, size: number): number {
  if (id === undefined) return -1;
  const at = packet.findExtension(id);
  return at >= 0 && packet.extensionLengthAt(at) === size ? at : -1;
}

/** Throws unless `id` can name an element in some RFC 8285 form (1–255). */
export function checkId(id: number): void {
  if (!Number.isInteger(id) || id < 1 || id > 255) {
    throw new RtpConfigurationError(
      `header extension id ${id} is out of range (1–255, RFC 8285 §5)`,
    );
  }
}

function checkRange(what: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RtpConfigurationError(
      `${what} ${value} is out of range: an integer from 0 to ${max}`,
    );
  }
}

// --- abs-send-time: 24 bits, 6.18 fixed-point seconds ------------------------------------

/** The 24-bit abs-send-time value (6.18 fixed-point seconds, wraps every 64 s), or `undefined`. */
export function readAbsSendTime(packet: RtpPacket, id: number | undefined): number | undefined {
  const at = locate(packet, id, 3);
  if (at < 0) return undefined;
  const b = packet.bytes;
  return (b[at]! << 16) | (b[at + 1]! << 8) | b[at + 2]!;
}

/** Rewrites abs-send-time in place; false when the packet has no such 3-byte element. */
export function writeAbsSendTime(
  packet: RtpPacket,
  id: number | undefined,
  value: number,
): boolean {
  const at = locate(packet, id, 3);
  if (at < 0) return false;
  put24(packet.bytes, at, value);
  return true;
}

/** An abs-send-time element (`value` is the 24-bit 6.18 fixed-point value). */
export function absSendTimeExtension(id: number, value: number): RtpHeaderExtension {
  checkId(id);
  checkRange('abs-send-time', value, 0xffffff);
  const data = new Uint8Array(3);
  put24(data, 0, value);
  return { id, data };
}

/** The abs-send-time value of a time in microseconds (any epoch): 6.18 fixed point, mod 64 s. */
export function absSendTimeFromMicros(micros: number): number {
  // 2^18 units per second, rounded to the nearest unit as libwebrtc does; whole seconds are
  // taken apart first so that a Unix-epoch time keeps its precision.
  const seconds = Math.floor(micros / 1e6);
  const fraction = Math.round(((micros - seconds * 1e6) * 262144) / 1e6);
  return (((seconds & 63) << 18) + fraction) & 0xffffff;
}

/** Microseconds (from 0 up to 64 s) of a 24-bit abs-send-time value. */
export function absSendTimeToMicros(value: number): number {
  return ((value & 0xffffff) * 1e6) / 262144;
}

// --- transport-wide sequence number: 16 bits ---------------------------------------------

/** draft-holmer-rmcat-transport-wide-cc-extensions-01 §2: the 16-bit transport-wide sequence number. */
export function readTransportSequenceNumber(
  packet: RtpPacket,
  id: number | undefined,
): number | undefined {
  const at = locate(packet, id, 2);
  return at < 0 ? undefined : (packet.bytes[at]! << 8) | packet.bytes[at + 1]!;
}

/** Rewrites the transport-wide sequence number in place; false when the element is absent. */
export function writeTransportSequenceNumber(
  packet: RtpPacket,
  id: number | undefined,
  sequenceNumber: number,
): boolean {
  const at = locate(packet, id, 2);
  if (at < 0) return false;
  packet.bytes[at] = (sequenceNumber >>> 8) & 0xff;
  packet.bytes[at + 1] = sequenceNumber & 0xff;
  return true;
}

/** A transport-wide sequence number element. */
export function transportSequenceNumberExtension(
  id: number,
  sequenceNumber: number,
): RtpHeaderExtension {
  checkId(id);
  checkRange('transport-wide sequence number', sequenceNumber, 0xffff);
  return { id, data: Uint8Array.of(sequenceNumber >>> 8, sequenceNumber & 0xff) };
}

// --- audio level: RFC 6464 §3 --------------------------------------------------------------

/** RFC 6464 §3: voice activity and the level in −dBov (0 is loudest, 127 is silence). */
export interface AudioLevel {
  /** The V bit: the encoder believes the packet contains voice. */
  readonly voiceActivity: boolean;
  /** 0–127, in −dBov. */
  readonly level: number;
}

/** RFC 6464 §3: the audio level element, or `undefined`. */
export function readAudioLevel(packet: RtpPacket, id: number | undefined): AudioLevel | undefined {
  const at = locate(packet, id, 1);
  if (at < 0) return undefined;
  const v = packet.bytes[at]!;
  return { voiceActivity: (v & 0x80) !== 0, level: v & 0x7f };
}

/** Rewrites the audio level in place; false when the element is absent. */
export function writeAudioLevel(
  packet: RtpPacket,
  id: number | undefined,
  value: AudioLevel,
): boolean {
  const at = locate(packet, id, 1);
  if (at < 0) return false;
  packet.bytes[at] = audioLevelByte(value);
  return true;
}

/** An RFC 6464 audio level element. */
export function audioLevelExtension(id: number, value: AudioLevel): RtpHeaderExtension {
  checkId(id);
  return { id, data: Uint8Array.of(audioLevelByte(value)) };
}

function audioLevelByte(value: AudioLevel): number {
  checkRange('audio level', value.level, 127);
  return (value.voiceActivity ? 0x80 : 0) | value.level;
}

// --- video orientation: 3GPP TS 26.114 §7.4.5 (CVO) ----------------------------------------

/** 3GPP TS 26.114 §7.4.5.1: the CVO byte `0 0 0 0 C F R1 R0`. */
export interface VideoOrientation {
  /** C: 0 is the front-facing camera, 1 the back-facing one. */
  readonly backFacing: boolean;
  /** F: the receiver mirrors the picture horizontally. */
  readonly flip: boolean;
  /** R1 R0: rotation in degrees (counter-clockwise) the receiver applies before display. */
  readonly rotation: 0 | 90 | 180 | 270;
}

/** The video orientation (CVO) element, or `undefined`. */
export function readVideoOrientation(
  packet: RtpPacket,
  id: number | undefined,
): VideoOrientation | undefined {
  const at = locate(packet, id, 1);
  if (at < 0) return undefined;
  const v = packet.bytes[at]!;
  return {
    backFacing: (v & 0x08) !== 0,
    flip: (v & 0x04) !== 0,
    rotation: ((v & 0x03) * 90) as VideoOrientation['rotation'],
  };
}

/** Rewrites the video orientation in place; false when the element is absent. */
export function writeVideoOrientation(
  packet: RtpPacket,
  id: number | undefined,
  value: VideoOrientation,
): boolean {
  const at = locate(packet, id, 1);
  if (at < 0) return false;
  packet.bytes[at] = orientationByte(value);
  return true;
}

/** A video orientation (CVO) element. */
export function videoOrientationExtension(id: number, value: VideoOrientation): RtpHeaderExtension {
  checkId(id);
  return { id, data: Uint8Array.of(orientationByte(value)) };
}

function orientationByte(value: VideoOrientation): number {
  const r = value.rotation / 90;
  if (r !== 0 && r !== 1 && r !== 2 && r !== 3) {
    throw new RtpConfigurationError(`video rotation ${value.rotation} is not 0, 90, 180 or 270`);
  }
  return (value.backFacing ? 0x08 : 0) | (value.flip ? 0x04 : 0) | r;
}

// --- playout delay: two 12-bit values in 10 ms units ---------------------------------------

/** The playout delay limits the sender asks of the receiver, in milliseconds (multiples of 10). */
export interface PlayoutDelay {
  /** 0–40950 ms. */
  readonly minMs: number;
  /** 0–40950 ms. */
  readonly maxMs: number;
}

/** The playout-delay element, or `undefined`. */
export function readPlayoutDelay(
  packet: RtpPacket,
  id: number | undefined,
): PlayoutDelay | undefined {
  const at = locate(packet, id, 3);
  if (at < 0) return undefined;
  const b = packet.bytes;
  const v = (b[at]! << 16) | (b[at + 1]! << 8) | b[at + 2]!;
  return { minMs: (v >>> 12) * 10, maxMs: (v & 0xfff) * 10 };
}

/** Rewrites the playout delay in place; false when the element is absent. */
export function writePlayoutDelay(
  packet: RtpPacket,
  id: number | undefined,
  value: PlayoutDelay,
): boolean {
  const at = locate(packet, id, 3);
  if (at < 0) return false;
  put24(packet.bytes, at, playoutDelayValue(value));
  return true;
}

/** A playout-delay element (values are rounded down to 10 ms). */
export function playoutDelayExtension(id: number, value: PlayoutDelay): RtpHeaderExtension {
  checkId(id);
  const data = new Uint8Array(3);
  put24(data, 0, playoutDelayValue(value));
  return { id, data };
}

function playoutDelayValue({ minMs, maxMs }: PlayoutDelay): number {
  checkRange('minimum playout delay (ms)', minMs, 40950);
  checkRange('maximum playout delay (ms)', maxMs, 40950);
  return (Math.floor(minMs / 10) << 12) | Math.floor(maxMs / 10);
}

function put24(b: Uint8Array, at: number, v: number): void {
  b[at] = (v >>> 16) & 0xff;
  b[at + 1] = (v >>> 8) & 0xff;
  b[at + 2] = v & 0xff;
}

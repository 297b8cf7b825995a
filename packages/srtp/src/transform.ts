/**
 * @internal What a profile's cipher does to one packet, given the packet index the session
 * worked out. A transform keeps no per-stream state: the session owns rollover counters,
 * replay windows and counters, and a transform never changes them, so a packet that fails
 * authentication changes nothing.
 */
import { AesCmTransform } from './transform-cm.js';
import { AesGcmTransform } from './transform-gcm.js';
import { deriveSessionKeys } from './key-derivation.js';
import type { SrtpMasterKey } from './keying.js';
import type { SrtpProfileParameters } from './profile.js';

/** RFC 3711 §3.4: the E flag, the top bit of the 32-bit word that carries the SRTCP index. */
export const E_FLAG = 0x8000_0000;
/** RFC 3711 §3.4: the SRTCP index is 31 bits. */
export const MAX_SRTCP_INDEX = 0x7fff_ffff;

export interface Transform {
  readonly rtpTagLength: number;
  readonly rtcpTagLength: number;
  /** `packet` is a plain RTP packet whose header is `headerSize` octets; returns it protected. */
  protectRtp(
    packet: Uint8Array,
    headerSize: number,
    ssrc: number,
    roc: number,
    seq: number,
  ): Buffer;
  /** `packet` ends with the tag; returns the plain packet, or `undefined` when it does not authenticate. */
  unprotectRtp(
    packet: Uint8Array,
    headerSize: number,
    ssrc: number,
    roc: number,
    seq: number,
  ): Buffer | undefined;
  /** Appends the E flag and `index` (and the tag); encrypts after the first 8 octets when `encrypt`. */
  protectRtcp(packet: Uint8Array, ssrc: number, index: number, encrypt: boolean): Buffer;
  /** Where the 32-bit E flag and SRTCP index word starts in an SRTCP packet of `length` octets. */
  rtcpTrailerOffset(length: number): number;
  /** `packet` is a whole SRTCP packet; returns the plain RTCP, or `undefined` when it does not authenticate. */
  unprotectRtcp(
    packet: Uint8Array,
    ssrc: number,
    index: number,
    encrypted: boolean,
  ): Buffer | undefined;
}

/** Derives the session keys of `master` and builds the profile's transform. */
export function createTransform(params: SrtpProfileParameters, master: SrtpMasterKey): Transform {
  const { rtp, rtcp } = deriveSessionKeys(params, master);
  return params.aead
    ? new AesGcmTransform(rtp, rtcp)
    : new AesCmTransform(rtp, rtcp, params.rtpTagLength, params.rtcpTagLength);
}

/**
 * `b[start, end)` as a plain `Uint8Array` view. Half the cost of `Buffer#subarray` (which
 * looks up a species constructor and builds a Buffer), and node:crypto takes any view.
 */
export function view(b: Uint8Array, start: number, end: number = b.length): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset + start, end - start);
}

/** Compares `n` octets of two tags in time that does not depend on where they differ. */
export function tagsEqual(mac: Uint8Array, packet: Uint8Array, at: number, n: number): boolean {
  let diff = 0;
  for (let i = 0; i < n; i++) diff |= mac[i]! ^ packet[at + i]!;
  return diff === 0;
}

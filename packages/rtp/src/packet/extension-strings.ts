/**
 * The string-valued header extensions: MID (RFC 9143 §15), RtpStreamId and RepairedRtpStreamId
 * (RFC 8852 §3). Values are UTF-8 (in practice ASCII tokens); as libwebrtc does, a value ends at
 * its first NUL byte, and an empty value reads as absent.
 */

import { RtpConfigurationError } from '../errors.js';
import { checkId } from './extension-values.js';
import type { RtpHeaderExtension } from './header-extension.js';
import type { RtpPacket } from './rtp-packet.js';

const decoder = new TextDecoder();
const encoder = new TextEncoder();

function readString(packet: RtpPacket, id: number | undefined): string | undefined {
  if (id === undefined) return undefined;
  const at = packet.findExtension(id);
  if (at < 0) return undefined;
  const b = packet.bytes;
  const end = at + packet.extensionLengthAt(at);
  let ascii = true;
  let i = at;
  for (; i < end && b[i] !== 0; i++) if (b[i]! > 0x7f) ascii = false;
  if (i === at) return undefined;
  if (!ascii) return decoder.decode(b.subarray(at, i));
  // Short ASCII tokens: cheaper than a TextDecoder call.
  let s = '';
  for (let k = at; k < i; k++) s += String.fromCharCode(b[k]!);
  return s;
}

function stringExtension(what: string, id: number, value: string): RtpHeaderExtension {
  checkId(id);
  const data = encoder.encode(value);
  if (data.length < 1 || data.length > 255) {
    throw new RtpConfigurationError(
      `${what} "${value}" is ${data.length} bytes: a header extension carries 1–255 (16 in the one-byte form)`,
    );
  }
  return { id, data };
}

/** The MID (media identification) element, or `undefined`. */
export function readMid(packet: RtpPacket, id: number | undefined): string | undefined {
  return readString(packet, id);
}

/** RFC 8852 §3.1: the RtpStreamId (rid) element, or `undefined`. */
export function readRid(packet: RtpPacket, id: number | undefined): string | undefined {
  return readString(packet, id);
}

/** RFC 8852 §3.2: the RepairedRtpStreamId element, or `undefined`. */
export function readRepairedRid(packet: RtpPacket, id: number | undefined): string | undefined {
  return readString(packet, id);
}

/** A MID element; throws {@link RtpConfigurationError} for an empty value or one over 255 bytes. */
export function midExtension(id: number, mid: string): RtpHeaderExtension {
  return stringExtension('MID', id, mid);
}

/** An RtpStreamId element (RFC 8852 §3.1); throws like {@link midExtension}. */
export function ridExtension(id: number, rid: string): RtpHeaderExtension {
  return stringExtension('rid', id, rid);
}

/** A RepairedRtpStreamId element (RFC 8852 §3.2); throws like {@link midExtension}. */
export function repairedRidExtension(id: number, rid: string): RtpHeaderExtension {
  return stringExtension('repaired rid', id, rid);
}

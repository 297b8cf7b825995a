/**
 * Writing RTP packets (RFC 3550 §5.1) with RFC 8285 header extensions: into a new Buffer, or
 * into a caller's buffer at an offset (the hot path: no allocation). Arguments out of range
 * are a bug of the program, not bad network input: they throw {@link RtpConfigurationError}.
 */

import { RtpConfigurationError } from '../errors.js';
import {
  ONE_BYTE_EXTENSION_PROFILE,
  type RtpExtensionForm,
  type RtpHeaderExtension,
  TWO_BYTE_EXTENSION_PROFILE,
} from './header-extension.js';

/** The fields of an RTP packet to serialize. Optional fields default to absent / false / 0. */
export interface RtpPacketInit {
  /** 0–127. */
  readonly payloadType: number;
  /** 0–65535. */
  readonly sequenceNumber: number;
  /** 0–2³²−1. */
  readonly timestamp: number;
  /** 0–2³²−1. */
  readonly ssrc: number;
  /** Default false. */
  readonly marker?: boolean;
  /** At most 15 contributing sources (RFC 3550 §5.1 CC is 4 bits). */
  readonly csrcs?: readonly number[];
  /**
   * RFC 8285 header extension elements, written in this order. An empty list writes no
   * extension block.
   */
  readonly extensions?: readonly RtpHeaderExtension[];
  /**
   * Forces the element form. By default {@link chooseExtensionForm} picks the one-byte form
   * when every element fits it, else the two-byte form (which the peer must have accepted
   * with `a=extmap-allow-mixed`, RFC 8285 §6).
   */
  readonly extensionForm?: RtpExtensionForm;
  /** An extension block of another profile (RFC 3550 §5.3.1); `data` is a multiple of 4 bytes. */
  readonly rawExtension?: { readonly profile: number; readonly data: Uint8Array };
  /** The payload, copied into the packet. */
  readonly payload: Uint8Array;
  /** Bytes of padding to append, count byte included (0–255, RFC 3550 §5.1); default 0. */
  readonly paddingSize?: number;
}

/**
 * RFC 8285 §4.1: the one-byte form when every element has an id of 1–14 and a value of
 * 1–16 bytes, else the two-byte form (ids 1–255, values 0–255 bytes).
 */
export function chooseExtensionForm(extensions: readonly RtpHeaderExtension[]): RtpExtensionForm {
  for (const e of extensions) {
    if (e.id > 14 || e.data.length === 0 || e.data.length > 16) return 'two-byte';
  }
  return 'one-byte';
}

const fail = (message: string): never => {
  throw new RtpConfigurationError(message);
};

function checkUint(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    fail(`RTP ${name} ${value} is out of range: expected an integer from 0 to ${max}`);
  }
}

/** Size of the elements in `form`, before rounding to 32-bit words; throws when one cannot fit. */
function elementsSize(extensions: readonly RtpHeaderExtension[], form: RtpExtensionForm): number {
  const one = form === 'one-byte';
  let size = 0;
  for (const { id, data } of extensions) {
    const maxId = one ? 14 : 255;
    if (!Number.isInteger(id) || id < 1 || id > maxId) {
      fail(`header extension id ${id} is out of range for the ${form} form (1–${maxId})`);
    }
    if (one ? data.length < 1 || data.length > 16 : data.length > 255) {
      fail(
        `header extension ${id} has ${data.length} bytes: the ${form} form carries ${one ? '1–16' : '0–255'}`,
      );
    }
    size += (one ? 1 : 2) + data.length;
  }
  return size;
}

/** Size of the extension block (4-byte header included), 0 when there is none. */
function extensionBlockSize(init: RtpPacketInit, form: RtpExtensionForm | undefined): number {
  if (init.rawExtension) {
    if (init.extensions?.length)
      fail('an RTP packet has one extension block: give extensions or rawExtension, not both');
    checkUint('extension profile', init.rawExtension.profile, 0xffff);
    const n = init.rawExtension.data.length;
    if (n % 4 !== 0 || n > 0xffff * 4)
      fail(
        `a raw extension block of ${n} bytes is not a whole number of 32-bit words (at most 65535)`,
      );
    return 4 + n;
  }
  if (!form || !init.extensions) return 0;
  const size = (elementsSize(init.extensions, form) + 3) & ~3;
  if (size > 0xffff * 4)
    fail(`header extensions of ${size} bytes exceed the 65535 words of RFC 3550 §5.3.1`);
  return 4 + size;
}

function formOf(init: RtpPacketInit): RtpExtensionForm | undefined {
  if (!init.extensions || init.extensions.length === 0) return undefined;
  return init.extensionForm ?? chooseExtensionForm(init.extensions);
}

/** Size in bytes of the packet {@link serializeRtp} would write for `init`; throws like it. */
export function rtpPacketSize(init: RtpPacketInit): number {
  const csrcs = init.csrcs?.length ?? 0;
  return (
    12 +
    csrcs * 4 +
    extensionBlockSize(init, formOf(init)) +
    init.payload.length +
    (init.paddingSize ?? 0)
  );
}

/** RFC 3550 §5.1: serializes `init` into a new Buffer. */
export function serializeRtp(init: RtpPacketInit): Buffer {
  const out = Buffer.allocUnsafe(rtpPacketSize(init));
  serializeRtpInto(init, out, 0);
  return out;
}

/**
 * RFC 3550 §5.1: writes `init` into `target` at `offset` and returns the number of bytes
 * written. Allocates nothing; throws {@link RtpConfigurationError} when a field is out of
 * range or `target` is too small (checked before anything is written).
 */
export function serializeRtpInto(init: RtpPacketInit, target: Uint8Array, offset = 0): number {
  checkUint('payload type', init.payloadType, 127);
  checkUint('sequence number', init.sequenceNumber, 0xffff);
  checkUint('timestamp', init.timestamp, 0xffffffff);
  checkUint('SSRC', init.ssrc, 0xffffffff);
  const csrcs = init.csrcs ?? [];
  if (csrcs.length > 15) fail(`${csrcs.length} CSRCs: RFC 3550 §5.1 allows at most 15`);
  for (const c of csrcs) checkUint('CSRC', c, 0xffffffff);
  const padding = init.paddingSize ?? 0;
  checkUint('padding size', padding, 255);
  const form = formOf(init);
  const ext = extensionBlockSize(init, form);
  const size = 12 + csrcs.length * 4 + ext + init.payload.length + padding;
  if (!Number.isInteger(offset) || offset < 0 || offset + size > target.length) {
    fail(
      `an RTP packet of ${size} bytes does not fit at offset ${offset} of a ${target.length}-byte buffer`,
    );
  }
  let o = offset;
  target[o++] = 0x80 | (padding ? 0x20 : 0) | (ext ? 0x10 : 0) | csrcs.length;
  target[o++] = (init.marker ? 0x80 : 0) | init.payloadType;
  target[o++] = init.sequenceNumber >>> 8;
  target[o++] = init.sequenceNumber & 0xff;
  o = put32(target, o, init.timestamp);
  o = put32(target, o, init.ssrc);
  for (const c of csrcs) o = put32(target, o, c);
  if (ext) o = writeExtensionBlock(init, form, target, o, ext);
  target.set(init.payload, o);
  o += init.payload.length;
  if (padding) {
    target.fill(0, o, o + padding - 1);
    o += padding;
    target[o - 1] = padding;
  }
  return o - offset;
}

function writeExtensionBlock(
  init: RtpPacketInit,
  form: RtpExtensionForm | undefined,
  t: Uint8Array,
  o: number,
  blockSize: number,
): number {
  const raw = init.rawExtension;
  const profile = raw
    ? raw.profile
    : form === 'one-byte'
      ? ONE_BYTE_EXTENSION_PROFILE
      : TWO_BYTE_EXTENSION_PROFILE;
  const words = (blockSize - 4) / 4;
  t[o] = profile >>> 8;
  t[o + 1] = profile & 0xff;
  t[o + 2] = words >>> 8;
  t[o + 3] = words & 0xff;
  const end = o + blockSize;
  o += 4;
  if (raw) {
    t.set(raw.data, o);
    return end;
  }
  for (const { id, data } of init.extensions ?? []) {
    if (form === 'one-byte') {
      t[o++] = (id << 4) | (data.length - 1); // RFC 8285 §4.2: L is the length minus one
    } else {
      t[o++] = id; // RFC 8285 §4.3
      t[o++] = data.length;
    }
    t.set(data, o);
    o += data.length;
  }
  t.fill(0, o, end); // RFC 8285 §4.1: padding bytes are 0
  return end;
}

function put32(t: Uint8Array, o: number, v: number): number {
  t[o] = v >>> 24;
  t[o + 1] = (v >>> 16) & 0xff;
  t[o + 2] = (v >>> 8) & 0xff;
  t[o + 3] = v & 0xff;
  return o + 4;
}

/**
 * RTP packets (RFC 3550 §5.1) as views: {@link parseRtp} checks the layout once and returns an
 * {@link RtpPacket} whose fields are read from (and written to) the datagram itself. Nothing
 * is copied: the payload is a subarray, extension values are found on demand.
 */

import type { RtpPayloadView } from '../codecs/depacketizer.js';
import {
  ExtForm,
  elementLength,
  findElement,
  formOfProfile,
  listElements,
  type RtpExtensionForm,
  type RtpHeaderExtension,
  scanElements,
} from './header-extension.js';
import type { RtpParseFailure } from './parse-failure.js';
import type { RtpPacketInit } from './serialize.js';

/**
 * An RTP packet over the bytes it was parsed from. Getters read the header from the buffer;
 * setters (marker, payload type, sequence number, timestamp, SSRC) write into it, so an SFU
 * can rewrite a packet before forwarding it without serializing it again. The view shares the
 * datagram's memory: call {@link RtpPacket.copy} to keep a packet past the datagram's life
 * (a retransmission history).
 */
export class RtpPacket implements RtpPayloadView {
  #payload: Uint8Array | undefined;

  /** @internal Use {@link parseRtp}; the arguments are the offsets it checked. */
  constructor(
    /** The whole packet (header, payload, padding): the buffer given to {@link parseRtp}. */
    readonly bytes: Uint8Array,
    /** Size of the header: fixed part, CSRC list and extension block (RFC 3550 §5.1, §5.3.1). */
    readonly headerSize: number,
    /** Bytes of padding at the end, the count byte included; 0 when the P bit is clear. */
    readonly paddingSize: number,
    /** Offset in {@link RtpPacket.bytes} of the extension block's data (after its 4-byte header); 0 without one. */
    readonly extensionStart: number,
    /** Where the well-formed extension elements end (RFC 8285: processing stops at a bad one). */
    readonly extensionEnd: number,
    /** @internal The element form of the extension block. */
    readonly extensionLayout: ExtForm,
  ) {}

  /** RFC 3550 §5.1 marker bit (for video: the last packet of a frame). Settable in place. */
  get marker(): boolean {
    return (this.bytes[1]! & 0x80) !== 0;
  }
  set marker(value: boolean) {
    this.bytes[1] = (this.bytes[1]! & 0x7f) | (value ? 0x80 : 0);
  }

  /** RFC 3550 §5.1 payload type (7 bits). Settable in place. */
  get payloadType(): number {
    return this.bytes[1]! & 0x7f;
  }
  set payloadType(value: number) {
    this.bytes[1] = (this.bytes[1]! & 0x80) | (value & 0x7f);
  }

  /** RFC 3550 §5.1 sequence number (16 bits). Settable in place. */
  get sequenceNumber(): number {
    return (this.bytes[2]! << 8) | this.bytes[3]!;
  }
  set sequenceNumber(value: number) {
    this.bytes[2] = (value >>> 8) & 0xff;
    this.bytes[3] = value & 0xff;
  }

  /** RFC 3550 §5.1 timestamp (32 bits, unsigned). Settable in place. */
  get timestamp(): number {
    return readU32(this.bytes, 4);
  }
  set timestamp(value: number) {
    writeU32(this.bytes, 4, value);
  }

  /** RFC 3550 §5.1 synchronization source (32 bits, unsigned). Settable in place. */
  get ssrc(): number {
    return readU32(this.bytes, 8);
  }
  set ssrc(value: number) {
    writeU32(this.bytes, 8, value);
  }

  /** RFC 3550 §5.1 P bit: the packet ends with padding. */
  get padding(): boolean {
    return (this.bytes[0]! & 0x20) !== 0;
  }

  /** RFC 3550 §5.1 CC: the number of CSRCs (0–15). */
  get csrcCount(): number {
    return this.bytes[0]! & 0x0f;
  }

  /** The CSRC at `index` (from 0 to {@link RtpPacket.csrcCount} - 1), read without allocating. */
  csrc(index: number): number {
    return readU32(this.bytes, 12 + index * 4);
  }

  /** RFC 3550 §5.1 contributing sources, as a new array. */
  get csrcs(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.csrcCount; i++) out.push(this.csrc(i));
    return out;
  }

  /** The payload without header or padding: a view, created once on first use. */
  get payload(): Uint8Array {
    this.#payload ??= this.bytes.subarray(this.headerSize, this.bytes.length - this.paddingSize);
    return this.#payload;
  }

  /** Size of the payload in bytes (no allocation). */
  get payloadSize(): number {
    return this.bytes.length - this.headerSize - this.paddingSize;
  }

  /** RFC 3550 §5.3.1 "defined by profile" value of the extension block, or `undefined` without X bit. */
  get extensionProfile(): number | undefined {
    if (this.extensionLayout === ExtForm.None) return undefined;
    const at = this.extensionStart - 4;
    return (this.bytes[at]! << 8) | this.bytes[at + 1]!;
  }

  /**
   * The RFC 8285 form of the extension block, `'other'` for a profile that is neither (RFC 3550
   * allows any: the packet is kept, but typed accessors see no elements), `undefined` without one.
   */
  get extensionForm(): RtpExtensionForm | 'other' | undefined {
    switch (this.extensionLayout) {
      case ExtForm.OneByte:
        return 'one-byte';
      case ExtForm.TwoByte:
        return 'two-byte';
      case ExtForm.Other:
        return 'other';
      default:
        return undefined;
    }
  }

  /** The extension block's data after its 4-byte header (any profile), a view; empty without one. */
  get extensionData(): Uint8Array {
    return this.bytes.subarray(this.extensionStart, this.extensionStart ? this.headerSize : 0);
  }

  /**
   * Low level: offset in {@link RtpPacket.bytes} of the value of the element `id`, or -1 when
   * the packet has none (or an extension block of another profile). With
   * {@link RtpPacket.extensionLengthAt} it lets a caller rewrite a value in place.
   */
  findExtension(id: number): number {
    return findElement(
      this.bytes,
      this.extensionStart,
      this.extensionEnd,
      this.extensionLayout,
      id,
    );
  }

  /** Length of the element value found at `offset` by {@link RtpPacket.findExtension}. */
  extensionLengthAt(offset: number): number {
    return elementLength(this.bytes, this.extensionLayout, offset);
  }

  /** The value of the element `id` (a view), or `undefined`. */
  getExtension(id: number): Uint8Array | undefined {
    const at = this.findExtension(id);
    return at < 0 ? undefined : this.bytes.subarray(at, at + this.extensionLengthAt(at));
  }

  /** Every RFC 8285 element, in order (values are views); empty for other profiles. */
  extensions(): RtpHeaderExtension[] {
    return listElements(this.bytes, this.extensionStart, this.extensionEnd, this.extensionLayout);
  }

  /** A copy that owns its memory (for a packet kept past the datagram, e.g. for retransmission). */
  copy(): RtpPacket {
    const bytes = Uint8Array.prototype.slice.call(this.bytes);
    return new RtpPacket(
      bytes,
      this.headerSize,
      this.paddingSize,
      this.extensionStart,
      this.extensionEnd,
      this.extensionLayout,
    );
  }

  /**
   * The fields of this packet as an {@link RtpPacketInit}, to serialize a changed copy:
   * `serializeRtp({ ...packet.toInit(), ssrc })`. Byte fields are views into this packet.
   */
  toInit(): RtpPacketInit {
    const form = this.extensionLayout;
    const profile = this.extensionProfile;
    return {
      payloadType: this.payloadType,
      sequenceNumber: this.sequenceNumber,
      timestamp: this.timestamp,
      ssrc: this.ssrc,
      marker: this.marker,
      csrcs: this.csrcs,
      payload: this.payload,
      ...(this.paddingSize ? { paddingSize: this.paddingSize } : {}),
      ...(form === ExtForm.OneByte || form === ExtForm.TwoByte
        ? { extensions: this.extensions(), extensionForm: this.extensionForm as RtpExtensionForm }
        : {}),
      ...(form === ExtForm.Other && profile !== undefined
        ? { rawExtension: { profile, data: this.extensionData } }
        : {}),
    };
  }
}

/**
 * RFC 3550 §5.1: parses the RTP packet that fills `buf` (a whole datagram, after SRTP when
 * there is one). Never throws: malformed input gives an {@link RtpParseFailure} code. The
 * result is a view over `buf` — one object, no copy.
 *
 * Header extensions: RFC 8285 one-byte and two-byte blocks expose their elements; a block of
 * any other profile keeps the packet but exposes none; an element that runs past its block
 * ends the element list there (as in libwebrtc) rather than dropping the packet. The
 * validation RFC 3550 Appendix A.1 makes on payload types and sequence numbers belongs to the
 * stream (it needs state) and is not done here.
 */
export function parseRtp(buf: Uint8Array): RtpPacket | RtpParseFailure {
  const n = buf.length;
  if (n < 12) return 'too-short';
  const b0 = buf[0]!;
  if (b0 >> 6 !== 2) return 'bad-version';
  let size = 12 + (b0 & 0x0f) * 4;
  if (size > n) return 'csrc-overflow';
  let start = 0;
  let end = 0;
  let form: ExtForm = ExtForm.None;
  if (b0 & 0x10) {
    // RFC 3550 §5.3.1: 16-bit profile, 16-bit length in 32-bit words, then the words.
    if (size + 4 > n) return 'extension-overflow';
    form = formOfProfile((buf[size]! << 8) | buf[size + 1]!);
    start = size + 4;
    size = start + ((buf[size + 2]! << 8) | buf[size + 3]!) * 4;
    if (size > n) return 'extension-overflow';
    end = scanElements(buf, start, size, form);
  }
  let padding = 0;
  if (b0 & 0x20) {
    // RFC 3550 §5.1: the last octet counts the padding octets, itself included.
    padding = buf[n - 1]!;
    if (padding === 0) return 'zero-padding';
    if (padding > n - size) return 'padding-overflow';
  }
  return new RtpPacket(buf, size, padding, start, end, form);
}

/** Reads a big-endian unsigned 32-bit integer. */
export function readU32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

/** Writes a big-endian unsigned 32-bit integer. */
export function writeU32(b: Uint8Array, at: number, value: number): void {
  b[at] = (value >>> 24) & 0xff;
  b[at + 1] = (value >>> 16) & 0xff;
  b[at + 2] = (value >>> 8) & 0xff;
  b[at + 3] = value & 0xff;
}

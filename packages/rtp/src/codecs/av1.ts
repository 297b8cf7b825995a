/**
 * AV1 over RTP ("RTP Payload Format For AV1", AOM, v1.0): the aggregation header (§4.4), OBU
 * elements with LEB128 lengths (§4.3), OBUs fragmented across packets (§4.5), and the
 * depacketizer, which returns each temporal unit as a low-overhead bitstream (AV1 §5.2: every
 * OBU with obu_has_size_field=1). The payloader is in `av1-payloader.ts`.
 */

import type { Depacketizer } from './depacketizer.js';
import { leb128Read, leb128Size, readLeb128, writeLeb128 } from './leb128.js';

const NONE: readonly Uint8Array[] = [];

/** OBU types of AV1 §6.2.2 that this module names. */
export const Av1ObuType = {
  /** OBU_SEQUENCE_HEADER. */
  SequenceHeader: 1,
  TemporalDelimiter: 2,
  FrameHeader: 3,
  TileGroup: 4,
  Metadata: 5,
  Frame: 6,
  RedundantFrameHeader: 7,
  TileList: 8,
  Padding: 15,
} as const;

/** §4.4 aggregation header Z bit: the first OBU element continues one from the previous packet. */
export const AV1_Z = 0x80;
/** §4.4 aggregation header Y bit: the last OBU element continues in the next packet. */
export const AV1_Y = 0x40;
/** §4.4 aggregation header N bit: the packet begins a new coded video sequence. */
export const AV1_N = 0x08;

/** Options of {@link Av1Depacketizer}. */
export interface Av1DepacketizerOptions {
  /**
   * Start each temporal unit with a temporal delimiter OBU (12 00), as an AV1 low-overhead
   * bitstream file requires (AV1 §7.5); default false (decoders such as dav1d and libaom do not
   * need it, and the RTP specification §5 says receivers ignore the ones they get).
   */
  readonly prependTemporalDelimiter?: boolean;
}

/** OBU types that begin a temporal unit or the first frame in it. */
function startsTemporalUnit(obuHeader: number): boolean {
  const type = (obuHeader >> 3) & 0x0f;
  return (
    (obuHeader & 0x80) === 0 &&
    (type === Av1ObuType.SequenceHeader ||
      type === Av1ObuType.TemporalDelimiter ||
      type === Av1ObuType.FrameHeader ||
      type === Av1ObuType.Metadata ||
      type === Av1ObuType.Frame)
  );
}

/**
 * Reassembles AV1 temporal units. A frame starts at a packet whose first OBU element is not a
 * continuation (Z=0) and is a sequence header, temporal delimiter, metadata, frame header or
 * frame OBU; it ends with the marker bit (§4.1: the last packet of a temporal unit); it is a
 * keyframe when N=1 (§4.4: the first packet of a coded video sequence). A temporal unit with
 * several frames (a hidden frame and the one shown) can show a start at its second frame: the
 * RTP timestamp, the same for the whole temporal unit, tells them apart.
 */
export class Av1Depacketizer implements Depacketizer {
  readonly #prependTd: boolean;
  // Pass 1 of assemble: OBU fragments (chunks) and OBUs, kept between calls to save allocations.
  readonly #chunkPayload: number[] = [];
  readonly #chunkStart: number[] = [];
  readonly #chunkEnd: number[] = [];
  readonly #obuChunk: number[] = [];
  readonly #obuLength: number[] = [];
  #payloads: readonly Uint8Array[] = NONE;

  /** A depacketizer with `options`. */
  constructor(options: Av1DepacketizerOptions = {}) {
    this.#prependTd = options.prependTemporalDelimiter ?? false;
  }

  /** Z=0 and the first OBU begins a temporal unit (see the class description). */
  isFrameStart(payload: Uint8Array): boolean {
    const length = payload.length;
    if (length < 2) return false;
    const header = payload[0]!;
    if ((header & AV1_Z) !== 0) return false;
    const w = (header >> 4) & 0x03;
    let at = 1;
    if (w !== 1) {
      const size = readLeb128(payload, 1, length);
      if (size < 1) return false;
      at += leb128Read.length;
      if (at + size > length) return false;
    }
    return at < length && startsTemporalUnit(payload[at]!);
  }

  /** The marker bit (§4.1). */
  isFrameEnd(_payload: Uint8Array, marker: boolean): boolean {
    return marker;
  }

  /** N=1 (and Z=0, which N requires): the packet begins a new coded video sequence (§4.4). */
  isKeyframe(payload: Uint8Array): boolean {
    return payload.length >= 2 && (payload[0]! & (AV1_N | AV1_Z)) === AV1_N;
  }

  /**
   * The temporal unit as a low-overhead bitstream, temporal delimiter and tile list OBUs left
   * out (§5), or `undefined` when: an aggregation header has both N and Z set, an element
   * length is not a valid LEB128 or runs past its packet, a packet has fewer elements than W
   * says, a fragment continues (Z=1) where none was left open (Y=0) or the reverse, the last
   * packet leaves an OBU open, an OBU has its forbidden bit set, is shorter than its header,
   * or has an obu_size that disagrees with its length.
   */
  assemble(payloads: readonly Uint8Array[]): Uint8Array | undefined {
    this.#payloads = payloads;
    const frame = this.#assemble();
    this.#payloads = NONE;
    return frame;
  }

  #assemble(): Uint8Array | undefined {
    if (!this.#collect(this.#payloads)) return undefined;
    const obuCount = this.#obuChunk.length;
    let size = this.#prependTd ? 2 : 0;
    for (let i = 0; i < obuCount; i++) {
      const length = this.#obuLength[i]!;
      if (length === 0) continue;
      const header = this.#byteAt(i, 0);
      if ((header & 0x80) !== 0) return undefined;
      const headerSize = (header & 0x04) !== 0 ? 2 : 1;
      let payloadSize = length - headerSize;
      if (payloadSize < 0) return undefined;
      if ((header & 0x02) !== 0) {
        const declared = this.#readSize(i, headerSize, length);
        if (declared < 0) return undefined;
        payloadSize -= leb128Read.length;
        if (declared !== payloadSize) return undefined;
      }
      const type = (header >> 3) & 0x0f;
      if (type === Av1ObuType.TemporalDelimiter || type === Av1ObuType.TileList) continue;
      size += headerSize + leb128Size(payloadSize) + payloadSize;
    }
    if (size === (this.#prependTd ? 2 : 0)) return undefined;
    const frame = new Uint8Array(size);
    let at = 0;
    if (this.#prependTd) {
      frame[0] = 0x12;
      at = 2;
    }
    for (let i = 0; i < obuCount; i++) {
      const length = this.#obuLength[i]!;
      if (length === 0) continue;
      const header = this.#byteAt(i, 0);
      const type = (header >> 3) & 0x0f;
      if (type === Av1ObuType.TemporalDelimiter || type === Av1ObuType.TileList) continue;
      const headerSize = (header & 0x04) !== 0 ? 2 : 1;
      let skip = headerSize;
      if ((header & 0x02) !== 0) {
        this.#readSize(i, headerSize, length);
        skip += leb128Read.length;
      }
      frame[at++] = header | 0x02;
      if (headerSize === 2) frame[at++] = this.#byteAt(i, 1);
      at = writeLeb128(frame, at, length - skip);
      at = this.#copy(i, skip, frame, at);
    }
    return frame;
  }

  /** Pass 1: splits the packets into OBUs and their fragments; false when they are invalid. */
  #collect(payloads: readonly Uint8Array[]): boolean {
    const chunkPayload = this.#chunkPayload;
    const chunkStart = this.#chunkStart;
    const chunkEnd = this.#chunkEnd;
    const obuChunk = this.#obuChunk;
    const obuLength = this.#obuLength;
    chunkPayload.length = chunkStart.length = chunkEnd.length = 0;
    obuChunk.length = obuLength.length = 0;
    const count = payloads.length;
    if (count === 0) return false;
    let open = false;
    for (let p = 0; p < count; p++) {
      const payload = payloads[p]!;
      const length = payload.length;
      if (length < 2) return false;
      const header = payload[0]!;
      const z = (header & AV1_Z) !== 0;
      if (z !== open || (z && (header & AV1_N) !== 0)) return false;
      const w = (header >> 4) & 0x03;
      let at = 1;
      for (let element = 0; at < length || (w !== 0 && element < w); element++) {
        let size: number;
        if (w !== 0 && element === w - 1) {
          size = length - at;
        } else {
          size = readLeb128(payload, at, length);
          if (size < 0) return false;
          at += leb128Read.length;
          if (at + size > length) return false;
        }
        if (!(element === 0 && z)) {
          obuChunk.push(chunkPayload.length);
          obuLength.push(0);
        }
        chunkPayload.push(p);
        chunkStart.push(at);
        chunkEnd.push(at + size);
        const last = obuLength.length - 1;
        obuLength[last] = obuLength[last]! + size;
        at += size;
      }
      open = (header & AV1_Y) !== 0;
    }
    return !open;
  }

  /** Byte `k` of OBU `obu`, across its fragments (k is within the OBU). */
  #byteAt(obu: number, k: number): number {
    const end =
      obu + 1 < this.#obuChunk.length ? this.#obuChunk[obu + 1]! : this.#chunkPayload.length;
    for (let c = this.#obuChunk[obu]!; c < end; c++) {
      const size = this.#chunkEnd[c]! - this.#chunkStart[c]!;
      if (k < size) return this.#payloads[this.#chunkPayload[c]!]![this.#chunkStart[c]! + k]!;
      k -= size;
    }
    return 0;
  }

  /** The LEB128 obu_size at byte `offset` of OBU `obu` (AV1 §5.3.1), or -1 past `length`. */
  #readSize(obu: number, offset: number, length: number): number {
    let value = 0;
    for (let i = 0; i < 8; i++) {
      if (offset + i >= length) return -1;
      const byte = this.#byteAt(obu, offset + i);
      value += (byte & 0x7f) * 2 ** (7 * i);
      if ((byte & 0x80) === 0) {
        leb128Read.length = i + 1;
        return value;
      }
    }
    return -1;
  }

  /** Copies OBU `obu` from its byte `skip` on into `out` at `at`; returns the offset after it. */
  #copy(obu: number, skip: number, out: Uint8Array, at: number): number {
    const end =
      obu + 1 < this.#obuChunk.length ? this.#obuChunk[obu + 1]! : this.#chunkPayload.length;
    for (let c = this.#obuChunk[obu]!; c < end; c++) {
      const start = this.#chunkStart[c]!;
      const stop = this.#chunkEnd[c]!;
      if (skip >= stop - start) {
        skip -= stop - start;
        continue;
      }
      const piece = this.#payloads[this.#chunkPayload[c]!]!.subarray(start + skip, stop);
      out.set(piece, at);
      at += piece.length;
      skip = 0;
    }
    return at;
  }
}

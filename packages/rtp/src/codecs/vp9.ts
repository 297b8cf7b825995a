/**
 * VP9 over RTP (RFC 9628): the payload descriptor in flexible and non-flexible mode (§4.2), the
 * scalability structure (§4.2.1) and the depacketizer. The payloader is in `vp9-payloader.ts`.
 */

import type { Depacketizer } from './depacketizer.js';
import { readPictureId } from './picture-id.js';

/** The RFC 9628 §4.2 payload descriptor of one packet (the scalability structure is skipped). */
export interface Vp9Descriptor {
  /** P: the frame predicts from an earlier picture. */
  interPicture: boolean;
  /** F: flexible mode (reference indices in each packet) rather than non-flexible mode. */
  flexible: boolean;
  /** B: the packet starts a layer frame. */
  beginning: boolean;
  /** E: the packet ends a layer frame. */
  end: boolean;
  /** V: a scalability structure is present. */
  scalabilityStructurePresent: boolean;
  /** Z: the frame is not used for prediction by upper spatial layers. */
  notUpperReference: boolean;
  /** PictureID (7 or 15 bits), when the I bit is set. */
  pictureId: number | undefined;
  /** 7 or 15 when {@link Vp9Descriptor.pictureId} is present (the M bit), otherwise 0. */
  pictureIdBits: number;
  /** L: the layer indices are present. */
  layerIndices: boolean;
  /** TID (0 when {@link Vp9Descriptor.layerIndices} is false). */
  temporalId: number;
  /** U: switching up point (false when {@link Vp9Descriptor.layerIndices} is false). */
  switchingUp: boolean;
  /** SID (0 when {@link Vp9Descriptor.layerIndices} is false). */
  spatialId: number;
  /** D: inter-layer dependency (false when {@link Vp9Descriptor.layerIndices} is false). */
  interLayer: boolean;
  /** TL0PICIDX, in non-flexible mode with layer indices. */
  tl0PicIdx: number | undefined;
  /** P_DIFF values, in flexible mode when P is set (1 to 3 of them). */
  referenceIndices: number[];
  /** The offset of the scalability structure when {@link Vp9Descriptor.scalabilityStructurePresent}. */
  scalabilityOffset: number;
  /** The descriptor's length: the VP9 payload starts at this offset. */
  size: number;
}

/** One picture of a picture group (RFC 9628 §4.2.1). */
export interface Vp9PictureGroupEntry {
  /** The picture's temporal layer. */
  readonly temporalId: number;
  /** U: a switching up point. */
  readonly switchingUp: boolean;
  /** P_DIFF of each reference. */
  readonly referenceIndices: readonly number[];
}

/** The scalability structure (SS) of RFC 9628 §4.2.1. */
export interface Vp9ScalabilityStructure {
  /** N_S + 1: the number of spatial layers. */
  readonly spatialLayers: number;
  /** Each spatial layer's frame size, lowest first, when the Y bit is set; otherwise empty. */
  readonly resolutions: readonly { readonly width: number; readonly height: number }[];
  /** The picture group, when the G bit is set; otherwise empty. */
  readonly pictureGroup: readonly Vp9PictureGroupEntry[];
}

function emptyDescriptor(): Vp9Descriptor {
  return {
    interPicture: false,
    flexible: false,
    beginning: false,
    end: false,
    scalabilityStructurePresent: false,
    notUpperReference: false,
    pictureId: undefined,
    pictureIdBits: 0,
    layerIndices: false,
    temporalId: 0,
    switchingUp: false,
    spatialId: 0,
    interLayer: false,
    tl0PicIdx: undefined,
    referenceIndices: [],
    scalabilityOffset: 0,
    size: 0,
  };
}

/** The length of the scalability structure at `at`, or -1 when it runs past `end` (§4.2.1). */
function scalabilitySize(p: Uint8Array, at: number, end: number): number {
  const start = at;
  if (at >= end) return -1;
  const b = p[at++]!;
  const spatialLayers = (b >> 5) + 1;
  if ((b & 0x10) !== 0) at += 4 * spatialLayers;
  if ((b & 0x08) !== 0) {
    if (at >= end) return -1;
    const groups = p[at++]!;
    for (let i = 0; i < groups; i++) {
      if (at >= end) return -1;
      at += 1 + ((p[at]! >> 2) & 0x03);
    }
  }
  return at > end ? -1 : at - start;
}

/**
 * Reads the descriptor of `payload` into `out`; false when it is truncated, a flexible-mode
 * packet has more than 3 reference indices, or the scalability structure runs past the end.
 * The VP9 data after the descriptor may be empty.
 */
export function readVp9Descriptor(payload: Uint8Array, out: Vp9Descriptor): boolean {
  const length = payload.length;
  if (length < 1) return false;
  const b0 = payload[0]!;
  out.interPicture = (b0 & 0x40) !== 0;
  out.layerIndices = (b0 & 0x20) !== 0;
  out.flexible = (b0 & 0x10) !== 0;
  out.beginning = (b0 & 0x08) !== 0;
  out.end = (b0 & 0x04) !== 0;
  out.scalabilityStructurePresent = (b0 & 0x02) !== 0;
  out.notUpperReference = (b0 & 0x01) !== 0;
  out.pictureId = undefined;
  out.pictureIdBits = 0;
  out.temporalId = 0;
  out.switchingUp = false;
  out.spatialId = 0;
  out.interLayer = false;
  out.tl0PicIdx = undefined;
  out.referenceIndices.length = 0;
  out.scalabilityOffset = 0;
  let at = 1;
  if ((b0 & 0x80) !== 0) {
    at = readPictureId(payload, at, length, out);
    if (at < 0) return false;
  }
  if (out.layerIndices) {
    if (at >= length) return false;
    const l = payload[at++]!;
    out.temporalId = l >> 5;
    out.switchingUp = (l & 0x10) !== 0;
    out.spatialId = (l >> 1) & 0x07;
    out.interLayer = (l & 0x01) !== 0;
    if (!out.flexible) {
      if (at >= length) return false;
      out.tl0PicIdx = payload[at++]!;
    }
  }
  if (out.flexible && out.interPicture) {
    for (;;) {
      if (at >= length || out.referenceIndices.length === 3) return false;
      const r = payload[at++]!;
      out.referenceIndices.push(r >> 1);
      if ((r & 0x01) === 0) break;
    }
  }
  if (out.scalabilityStructurePresent) {
    const size = scalabilitySize(payload, at, length);
    if (size < 0) return false;
    out.scalabilityOffset = at;
    at += size;
  }
  out.size = at;
  return true;
}

/** The descriptor of `payload`, or `undefined` when it does not parse (RFC 9628 §4.2). */
export function parseVp9Descriptor(payload: Uint8Array): Vp9Descriptor | undefined {
  const out = emptyDescriptor();
  return readVp9Descriptor(payload, out) ? out : undefined;
}

/** The scalability structure of `payload` (RFC 9628 §4.2.1), or `undefined` when it has none. */
export function parseVp9ScalabilityStructure(
  payload: Uint8Array,
): Vp9ScalabilityStructure | undefined {
  const d = parseVp9Descriptor(payload);
  if (d === undefined || !d.scalabilityStructurePresent) return undefined;
  let at = d.scalabilityOffset;
  const b = payload[at++]!;
  const spatialLayers = (b >> 5) + 1;
  const resolutions: { width: number; height: number }[] = [];
  const pictureGroup: Vp9PictureGroupEntry[] = [];
  if ((b & 0x10) !== 0) {
    for (let i = 0; i < spatialLayers; i++, at += 4) {
      resolutions.push({
        width: (payload[at]! << 8) | payload[at + 1]!,
        height: (payload[at + 2]! << 8) | payload[at + 3]!,
      });
    }
  }
  if ((b & 0x08) !== 0) {
    const groups = payload[at++]!;
    for (let i = 0; i < groups; i++) {
      const g = payload[at++]!;
      const references = (g >> 2) & 0x03;
      pictureGroup.push({
        temporalId: g >> 5,
        switchingUp: (g & 0x10) !== 0,
        referenceIndices: Array.from(payload.subarray(at, at + references)),
      });
      at += references;
    }
  }
  return { spatialLayers, resolutions, pictureGroup };
}

/**
 * Reassembles VP9. A frame here is a layer frame, B to E (RFC 9628 §4.2): a picture with one
 * spatial layer is one frame; with several, one frame a layer, all with the picture's timestamp,
 * the last with the marker bit. `assemble` also accepts a whole picture (its layer frames in
 * spatial order) and returns them concatenated, which libvpx decodes as one buffer.
 */
export class Vp9Depacketizer implements Depacketizer {
  readonly #d = emptyDescriptor();

  /** B: the packet begins a layer frame. */
  isFrameStart(payload: Uint8Array): boolean {
    return readVp9Descriptor(payload, this.#d) && this.#d.beginning;
  }

  /** E (end of a layer frame) or the marker bit (end of the picture). */
  isFrameEnd(payload: Uint8Array, marker: boolean): boolean {
    return marker || (readVp9Descriptor(payload, this.#d) && this.#d.end);
  }

  /**
   * A packet that begins a frame of the base spatial layer (SID 0, or no layer indices) without
   * inter-picture prediction (P=0): the picture can be decoded with no earlier one.
   */
  isKeyframe(payload: Uint8Array): boolean {
    const d = this.#d;
    return readVp9Descriptor(payload, d) && d.beginning && !d.interPicture && d.spatialId === 0;
  }

  /**
   * The layer frame or picture, or `undefined` when: a descriptor does not parse, the packets
   * do not form whole layer frames (B first, E last, neither in between), two layer frames do
   * not have increasing spatial ids, picture id, mode or TL0PICIDX differ between packets, or
   * a layer frame does not start with the VP9 frame marker (VP9 bitstream §6.2).
   */
  assemble(payloads: readonly Uint8Array[]): Uint8Array | undefined {
    const d = this.#d;
    const count = payloads.length;
    if (count === 0) return undefined;
    let size = 0;
    let inFrame = false;
    let needMarker = false;
    let pictureId: number | undefined;
    let tl0PicIdx: number | undefined;
    let flexible = false;
    let layerIndices = false;
    let spatialId = -1;
    let interPicture = false;
    for (let i = 0; i < count; i++) {
      const payload = payloads[i]!;
      if (!readVp9Descriptor(payload, d)) return undefined;
      if (i === 0) {
        pictureId = d.pictureId;
        tl0PicIdx = d.tl0PicIdx;
        flexible = d.flexible;
        layerIndices = d.layerIndices;
      } else if (
        d.pictureId !== pictureId ||
        d.tl0PicIdx !== tl0PicIdx ||
        d.flexible !== flexible ||
        d.layerIndices !== layerIndices
      ) {
        return undefined;
      }
      if (d.beginning === inFrame) return undefined;
      if (d.beginning) {
        if (i > 0 && (!layerIndices || d.spatialId <= spatialId)) return undefined;
        spatialId = d.spatialId;
        interPicture = d.interPicture;
        inFrame = true;
        needMarker = true;
      } else if (d.spatialId !== spatialId || d.interPicture !== interPicture) {
        return undefined;
      }
      const data = payload.length - d.size;
      if (needMarker && data > 0) {
        if ((payload[d.size]! & 0xc0) !== 0x80) return undefined;
        needMarker = false;
      }
      if (d.end) {
        if (needMarker) return undefined;
        inFrame = false;
      }
      size += data;
    }
    if (inFrame) return undefined;
    const frame = new Uint8Array(size);
    let at = 0;
    for (let i = 0; i < count; i++) {
      const payload = payloads[i]!;
      readVp9Descriptor(payload, d);
      frame.set(payload.subarray(d.size), at);
      at += payload.length - d.size;
    }
    return frame;
  }
}

/**
 * @internal The header extension block of one outbound stream, laid out once: the same
 * elements in the same order on every packet (MID, RID, abs-send-time, audio level, the
 * transport-wide number), so a packet copies the block and writes the three values that change
 * in place, instead of building element objects and choosing a form for each packet.
 */

import { absSendTimeFromMicros } from '../packet/extension-values.js';
import type { RtpHeaderExtension } from '../packet/header-extension.js';
import { parseRtp } from '../packet/rtp-packet.js';
import { serializeRtp } from '../packet/serialize.js';

/** The ids of the per-packet elements a template reserves room for. */
export interface TemplateIds {
  readonly absSendTime?: number | undefined;
  readonly audioLevel?: number | undefined;
  readonly transportSequenceNumber?: number | undefined;
}

/** An extension block as {@link serializeRtp} takes a ready one (`rawExtension`). */
interface RawBlock {
  readonly profile: number;
  readonly data: Uint8Array;
}

const EMPTY = new Uint8Array(0);

export class ExtensionTemplate {
  /** The block (element values of the per-packet elements zero), or undefined for none. */
  readonly raw: RawBlock | undefined;
  /** Octets of the block, its 4-octet header included (0 without one). */
  readonly size: number;
  // Offsets of the per-packet values in the block's data (-1: not in the block).
  private readonly absSendTimeAt: number;
  private readonly audioLevelAt: number;
  private readonly transportSequenceAt: number;

  /**
   * The block of `fixed` (written as given) followed by the per-packet elements `ids` names,
   * `audioLevel` only when `withAudioLevel`: the order the stream always used. Throws
   * {@link RtpConfigurationError} when an element cannot be written (an id out of range).
   */
  constructor(fixed: readonly RtpHeaderExtension[], ids: TemplateIds, withAudioLevel: boolean) {
    const elements = [...fixed];
    const reserve = (id: number | undefined, octets: number): void => {
      if (id !== undefined) elements.push({ id, data: new Uint8Array(octets) });
    };
    reserve(ids.absSendTime, 3);
    if (withAudioLevel) reserve(ids.audioLevel, 1);
    reserve(ids.transportSequenceNumber, 2);
    const packet = parseRtp(
      serializeRtp({
        payloadType: 0,
        sequenceNumber: 0,
        timestamp: 0,
        ssrc: 0,
        extensions: elements,
        payload: EMPTY,
      }),
    );
    if (typeof packet === 'string' || elements.length === 0) {
      this.raw = undefined;
      this.size = 0;
      this.absSendTimeAt = this.audioLevelAt = this.transportSequenceAt = -1;
      return;
    }
    const b = packet.bytes;
    // The block's data starts after the fixed header (12) and the block's own header (4).
    const at = (id: number | undefined): number =>
      id === undefined ? -1 : packet.findExtension(id) - 16;
    this.raw = { profile: (b[12]! << 8) | b[13]!, data: b.slice(16) };
    this.size = b.length - 12;
    this.absSendTimeAt = at(ids.absSendTime);
    this.audioLevelAt = withAudioLevel ? at(ids.audioLevel) : -1;
    this.transportSequenceAt = at(ids.transportSequenceNumber);
  }

  /**
   * Writes the per-packet values into a packet serialized with {@link ExtensionTemplate.raw}
   * whose block data starts at `dataAt` (12 + 4 × CSRC count + 4): abs-send-time from `nowMs`,
   * the audio level's octet (RFC 6464 §3, as `audioLevelExtension` encodes it), and the
   * transport-wide number (`undefined`: left 0, for a later writer).
   */
  write(
    packet: Uint8Array,
    dataAt: number,
    nowMs: number,
    audioLevel: number | undefined,
    transportSequence: number | undefined,
  ): void {
    if (this.absSendTimeAt >= 0) {
      const v = absSendTimeFromMicros(nowMs * 1000);
      const o = dataAt + this.absSendTimeAt;
      packet[o] = v >>> 16;
      packet[o + 1] = (v >>> 8) & 0xff;
      packet[o + 2] = v & 0xff;
    }
    if (this.audioLevelAt >= 0 && audioLevel !== undefined)
      packet[dataAt + this.audioLevelAt] = audioLevel;
    if (this.transportSequenceAt >= 0 && transportSequence !== undefined) {
      const o = dataAt + this.transportSequenceAt;
      packet[o] = (transportSequence >>> 8) & 0xff;
      packet[o + 1] = transportSequence & 0xff;
    }
  }
}

/**
 * @internal The extension blocks of one stream: `fixed` (MID, RID) and the per-packet
 * elements `ids` names, one block for packets without an audio level and one with, each laid
 * out on first use.
 */
export class StreamExtensions {
  private readonly blocks: [ExtensionTemplate | undefined, ExtensionTemplate | undefined] = [
    undefined,
    undefined,
  ];

  constructor(
    private readonly fixed: readonly RtpHeaderExtension[],
    private readonly ids: TemplateIds,
  ) {}

  /** The block of a packet with the audio level octet `audioLevel`, or without one. */
  of(audioLevel: number | undefined): ExtensionTemplate {
    const i = audioLevel === undefined ? 0 : 1;
    let block = this.blocks[i];
    if (block === undefined) {
      block = new ExtensionTemplate(this.fixed, this.ids, i === 1);
      this.blocks[i] = block;
    }
    return block;
  }
}

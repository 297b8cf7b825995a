/**
 * AV1 payloader ("RTP Payload Format For AV1", AOM, v1.0 §5): a temporal unit in the
 * low-overhead bitstream format (AV1 §5.2) in, packets of OBU elements out, OBUs fragmented
 * where a packet ends (§4.5).
 */

import { RtpConfigurationError } from '../errors.js';
import { AV1_N, AV1_Y, AV1_Z, Av1ObuType } from './av1.js';
import type { Payloader } from './depacketizer.js';
import { leb128Read, leb128Size, readLeb128, writeLeb128 } from './leb128.js';

/** Options of {@link Av1Payloader}. */
export interface Av1PayloaderOptions {
  /**
   * Keep each OBU's obu_size field; default false: it is removed (obu_has_size_field=0), as
   * §5 recommends, since the element length already says it.
   */
  readonly keepObuSize?: boolean;
}

/** One OBU element: a 1 or 2 byte header (rewritten) followed by a view of the OBU payload. */
interface Element {
  readonly head: Uint8Array;
  readonly body: Uint8Array;
  readonly length: number;
}

/** One element (or fragment) placed in the packet being built. */
interface Placed {
  readonly element: Element;
  readonly from: number;
  readonly to: number;
}

/**
 * The OBUs of a temporal unit (AV1 §5.3), temporal delimiters, tile lists and padding dropped
 * (§5: not sent), and whether it starts a coded video sequence: a sequence header and a first
 * frame that is a KEY_FRAME (AV1 §5.9.2, or a reduced still picture header).
 */
function parseTemporalUnit(
  tu: Uint8Array,
  keepSize: boolean,
): { elements: Element[]; newSequence: boolean } {
  const elements: Element[] = [];
  let sequenceHeader = false;
  let reducedStill = false;
  let firstFrameKey: boolean | undefined;
  for (let at = 0; at < tu.length; ) {
    const header = tu[at]!;
    if ((header & 0x80) !== 0) throw malformed(at, 'its forbidden bit is set');
    const headerSize = (header & 0x04) !== 0 ? 2 : 1;
    if (at + headerSize > tu.length) throw malformed(at, 'its header is truncated');
    let payloadStart = at + headerSize;
    let payloadEnd = tu.length;
    if ((header & 0x02) !== 0) {
      const size = readLeb128(tu, payloadStart, tu.length);
      if (size < 0) throw malformed(at, 'its obu_size is not a valid LEB128');
      payloadStart += leb128Read.length;
      payloadEnd = payloadStart + size;
      if (payloadEnd > tu.length) throw malformed(at, 'its obu_size runs past the end');
    }
    const type = (header >> 3) & 0x0f;
    const body = tu.subarray(payloadStart, payloadEnd);
    if (type === Av1ObuType.SequenceHeader) {
      sequenceHeader = true;
      reducedStill = body.length > 0 && (body[0]! & 0x08) !== 0;
    } else if (
      (type === Av1ObuType.Frame || type === Av1ObuType.FrameHeader) &&
      firstFrameKey === undefined
    ) {
      // AV1 §5.9.2: show_existing_frame f(1), frame_type f(2) (0 = KEY_FRAME).
      firstFrameKey = reducedStill || (body.length > 0 && (body[0]! & 0xe0) === 0);
    }
    if (
      type !== Av1ObuType.TemporalDelimiter &&
      type !== Av1ObuType.TileList &&
      type !== Av1ObuType.Padding
    ) {
      let head: Uint8Array;
      if (keepSize) {
        head = tu.subarray(at, payloadStart);
      } else {
        head = new Uint8Array(headerSize);
        head[0] = header & ~0x02;
        if (headerSize === 2) head[1] = tu[at + 1]!;
      }
      elements.push({ head, body, length: head.length + body.length });
    }
    at = payloadEnd;
  }
  return { elements, newSequence: sequenceHeader && firstFrameKey === true };
}

function malformed(at: number, why: string): RtpConfigurationError {
  return new RtpConfigurationError(
    `The OBU at byte ${at} of the AV1 temporal unit is malformed: ${why} (AV1 §5.3).`,
  );
}

/** Copies bytes [from, to) of `element` into `out` at `at`; returns the offset after them. */
function copyElement(
  element: Element,
  from: number,
  to: number,
  out: Uint8Array,
  at: number,
): number {
  const headLength = element.head.length;
  if (from < headLength) {
    const piece = element.head.subarray(from, Math.min(to, headLength));
    out.set(piece, at);
    at += piece.length;
  }
  if (to > headLength) {
    const piece = element.body.subarray(Math.max(from - headLength, 0), to - headLength);
    out.set(piece, at);
    at += piece.length;
  }
  return at;
}

/**
 * Packetizes AV1 temporal units. Each packet is filled in order: whole OBU elements while they
 * fit, then a fragment of the next one (Y=1, and Z=1 on the packet that continues it). A packet
 * of up to 3 elements uses W (the last element without a length), a packet of more W=0. N=1 on
 * the first packet of a temporal unit that starts a coded video sequence.
 */
export class Av1Payloader implements Payloader {
  readonly #keepSize: boolean;

  /** A payloader with `options`. */
  constructor(options: Av1PayloaderOptions = {}) {
    this.#keepSize = options.keepObuSize ?? false;
  }

  /**
   * The payloads of the temporal unit `frame` (empty when it holds only OBUs that are not sent).
   * Throws {@link RtpConfigurationError} when `frame` is empty, an OBU is malformed (forbidden
   * bit, truncated header, bad or overlong obu_size; only the last OBU may omit its size), or
   * `maxPayloadSize` is under 2 (the aggregation header and one byte).
   */
  packetize(frame: Uint8Array, maxPayloadSize: number): Uint8Array[] {
    const max = Math.floor(maxPayloadSize);
    if (!(max >= 2)) {
      throw new RtpConfigurationError(
        `maxPayloadSize must be at least 2 for AV1 (aggregation header and one byte), got ${maxPayloadSize}.`,
      );
    }
    if (frame.length === 0) {
      throw new RtpConfigurationError('An AV1 temporal unit holds at least one OBU.');
    }
    const { elements, newSequence } = parseTemporalUnit(frame, this.#keepSize);
    const payloads: Uint8Array[] = [];
    let placed: Placed[] = [];
    let used = 1;
    let continuing = false;
    const close = (willContinue: boolean): void => {
      let header = (continuing ? AV1_Z : 0) | (willContinue ? AV1_Y : 0);
      if (payloads.length === 0 && newSequence) header |= AV1_N;
      const w = placed.length <= 3 ? placed.length : 0;
      header |= w << 4;
      let size = 1;
      for (let i = 0; i < placed.length; i++) {
        const length = placed[i]!.to - placed[i]!.from;
        size += (w !== 0 && i === placed.length - 1 ? 0 : leb128Size(length)) + length;
      }
      const payload = new Uint8Array(size);
      payload[0] = header;
      let at = 1;
      for (let i = 0; i < placed.length; i++) {
        const { element, from, to } = placed[i]!;
        if (w === 0 || i < placed.length - 1) at = writeLeb128(payload, at, to - from);
        at = copyElement(element, from, to, payload, at);
      }
      payloads.push(payload);
      placed = [];
      used = 1;
      continuing = willContinue;
    };
    for (let e = 0, offset = 0; e < elements.length; ) {
      const element = elements[e]!;
      const remaining = element.length - offset;
      const free = max - used;
      if (leb128Size(remaining) + remaining <= free) {
        placed.push({ element, from: offset, to: element.length });
        used += leb128Size(remaining) + remaining;
        e++;
        offset = 0;
        continue;
      }
      const last = placed.length + 1 <= 3;
      if (last && remaining <= free) {
        placed.push({ element, from: offset, to: element.length });
        e++;
        offset = 0;
        close(false);
        continue;
      }
      let take = last ? free : free - 1;
      while (take > 0 && !last && leb128Size(take) + take > free) take--;
      if (take > 0) {
        placed.push({ element, from: offset, to: offset + take });
        offset += take;
        close(true);
      } else {
        close(false);
      }
    }
    if (placed.length > 0) close(false);
    return payloads;
  }
}

/**
 * Test helpers for the stream primitives (excluded from the build): a toy codec whose payloads
 * say where frames begin, and helpers that cut frames into RTP packet views.
 *
 * Toy payload: one descriptor byte, then frame bytes. Descriptor bits: 1 = first packet of a
 * frame, 2 = keyframe (on the first packet), 4 = corrupt (the frame fails to assemble).
 */

import type { Depacketizer, RtpPayloadView } from '../codecs/depacketizer.js';
import { seededRandom } from '../testing-random.js';

const START = 1;
const KEY = 2;
const CORRUPT = 4;

/** A {@link Depacketizer} for the toy payload format above. */
export const testingDepacketizer: Depacketizer = {
  isFrameStart: (payload) => payload.length > 0 && (payload[0]! & START) !== 0,
  isFrameEnd: (_payload, marker) => marker,
  isKeyframe: (payload) => payload.length > 0 && (payload[0]! & KEY) !== 0,
  assemble(payloads) {
    const first = payloads[0];
    if (first === undefined || (first[0]! & START) === 0) return undefined;
    let size = 0;
    for (const p of payloads) {
      if (p.length === 0 || (p[0]! & CORRUPT) !== 0) return undefined;
      size += p.length - 1;
    }
    const out = new Uint8Array(size);
    let at = 0;
    for (const p of payloads) {
      out.set(p.subarray(1), at);
      at += p.length - 1;
    }
    return out;
  },
};

/**
 * The toy codec as an audio codec: every packet is a whole frame (Opus, RFC 7587 §4.2), so the
 * marker bit (RFC 3551 §4.1: the first packet of a talkspurt) says nothing of frame ends.
 */
export const testingAudioDepacketizer: Depacketizer = {
  ...testingDepacketizer,
  isFrameEnd: () => true,
};

/** A frame of the toy codec. */
export interface TestingFrame {
  readonly timestamp: number;
  readonly keyframe: boolean;
  readonly data: Uint8Array;
}

/** A frame of `size` bytes whose content identifies it (`id`). */
export function testingFrame(id: number, timestamp: number, keyframe: boolean, size = 6) {
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = (id * 31 + i * 7) & 0xff;
  return { timestamp: timestamp >>> 0, keyframe, data } satisfies TestingFrame;
}

/** Cuts `frame` into `count` packets numbered from `firstSeq` (16 bits, wrapping). */
export function testingPackets(
  frame: TestingFrame,
  firstSeq: number,
  count: number,
  corrupt = false,
): RtpPayloadView[] {
  const out: RtpPayloadView[] = [];
  const per = Math.ceil(frame.data.length / count);
  for (let i = 0; i < count; i++) {
    const chunk = frame.data.subarray(i * per, Math.min(frame.data.length, (i + 1) * per));
    const payload = new Uint8Array(chunk.length + 1);
    payload[0] =
      (i === 0 ? START : 0) | (i === 0 && frame.keyframe ? KEY : 0) | (corrupt ? CORRUPT : 0);
    payload.set(chunk, 1);
    out.push({
      sequenceNumber: (firstSeq + i) & 0xffff,
      timestamp: frame.timestamp,
      marker: i === count - 1,
      payload,
    });
  }
  return out;
}

/**
 * A stream of `frames` frames of `packetsPerFrame` packets, 30 fps at 90 kHz (3000 ticks
 * each), a keyframe every `keyframeEvery` frames starting with the first.
 */
export function testingStream(
  frames: number,
  packetsPerFrame: number,
  options: { firstSeq?: number; firstTimestamp?: number; keyframeEvery?: number } = {},
) {
  const firstSeq = options.firstSeq ?? 1000;
  const firstTimestamp = options.firstTimestamp ?? 90_000;
  const every = options.keyframeEvery ?? Number.POSITIVE_INFINITY;
  const list: TestingFrame[] = [];
  const packets: RtpPayloadView[] = [];
  for (let i = 0; i < frames; i++) {
    const f = testingFrame(i, firstTimestamp + i * 3000, i % every === 0, 3 * packetsPerFrame);
    list.push(f);
    packets.push(...testingPackets(f, firstSeq + i * packetsPerFrame, packetsPerFrame));
  }
  return { frames: list, packets };
}

/** The seeded generator of `../testing-random.ts` (mulberry32), numbers in [0, 1). */
export const testingPrng = seededRandom;

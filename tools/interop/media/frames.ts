/**
 * Frames from a recorded RTP stream with @x/rtp's depacketizers: packets in arrival order
 * (loopback keeps order; a retransmission would repeat a sequence number and is skipped),
 * padding-only packets (bandwidth probes) left out, grouped by RTP timestamp, each group
 * assembled with `assembleFrame` (consecutive sequence numbers, a frame start, a frame end).
 */
import {
  assembleFrame,
  depacketizerFor,
  isRtpParseFailure,
  parseRtp,
  type RtpPacket,
} from '@x/rtp';

export interface Frame {
  readonly timestamp: number;
  readonly firstSequence: number;
  readonly lastSequence: number;
  readonly packets: number;
  readonly keyframe: boolean;
  /** Undefined when the packets did not make a complete frame. */
  readonly data: Uint8Array | undefined;
  /** When its last packet arrived, if known. */
  readonly atMs?: number;
}

/** Parses recorded packets; throws on one that does not parse (the golden files must). */
export function parseAll(packets: readonly Uint8Array[]): RtpPacket[] {
  return packets.map((bytes, i) => {
    const p = parseRtp(bytes);
    if (isRtpParseFailure(p)) throw new Error(`packet ${i} does not parse: ${p}`);
    return p;
  });
}

/** The frames of one stream's packets (every packet of one SSRC, in arrival order). */
export function framesOf(
  mimeType: string,
  packets: readonly RtpPacket[],
  arrivals?: readonly number[],
): Frame[] {
  const depacketizer = depacketizerFor(mimeType);
  if (depacketizer === undefined) throw new Error(`no depacketizer for ${mimeType}`);
  const frames: Frame[] = [];
  const seen = new Set<number>();
  let group: RtpPacket[] = [];
  let groupAt: number | undefined;
  const flush = () => {
    const first = group[0];
    const last = group.at(-1);
    if (first === undefined || last === undefined) return;
    frames.push({
      timestamp: first.timestamp,
      firstSequence: first.sequenceNumber,
      lastSequence: last.sequenceNumber,
      packets: group.length,
      keyframe: depacketizer.isKeyframe(first.payload),
      data: assembleFrame(depacketizer, group),
      ...(groupAt === undefined ? {} : { atMs: groupAt }),
    });
    group = [];
  };
  packets.forEach((p, i) => {
    if (p.payload.length === 0 || seen.has(p.sequenceNumber)) return;
    seen.add(p.sequenceNumber);
    if (group.length > 0 && p.timestamp !== group[0]!.timestamp) flush();
    group.push(p);
    groupAt = arrivals?.[i];
  });
  flush();
  return frames;
}

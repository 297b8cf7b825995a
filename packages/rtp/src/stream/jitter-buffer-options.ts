/**
 * The configuration, the output and the counters of the {@link JitterBuffer}.
 */

import type { Depacketizer } from '../codecs/depacketizer.js';
import { RtpConfigurationError } from '../errors.js';

/** Options of a {@link JitterBuffer}. */
export interface JitterBufferOptions {
  /** The codec's frame boundaries, keyframes and reassembly. */
  readonly depacketizer: Depacketizer;
  /** RTP clock rate of the payload type in Hz (90000 for video, 48000 for Opus). */
  readonly clockRate: number;
  /**
   * How long after its nominal arrival a frame is played out, in ms: the time missing packets
   * have to arrive (reordered or retransmitted after a NACK) before their frame is given up.
   * With 0, a complete frame is released as soon as it is complete and in order, and a gap is
   * given up as soon as a later frame has begun to arrive. Default 0.
   */
  readonly targetLatencyMs?: number;
  /**
   * How long a packet found missing may still be repaired (a NACK answered by a
   * retransmission), in ms from the arrival that showed it missing: its frame is not given
   * up before then, even past the frame's playout time, and comes out late if the packet
   * arrives. A loss of a frame's last packet shows only when the next frame begins, so
   * without it a frame interval close to `targetLatencyMs` leaves no time to repair it.
   * Default 0 (a frame is given up when due). {@link JitterBuffer.setRepairMs} changes it.
   */
  readonly repairMs?: number;
  /**
   * After a frame is lost, release nothing but a keyframe (video: a delta frame would decode
   * against a missing reference) and raise {@link JitterBuffer.keyframeNeeded}. Also holds
   * back delta frames at the start of the stream. Default `false` (audio).
   */
  readonly requiresKeyframeAfterLoss?: boolean;
  /**
   * The span of sequence numbers held, from the oldest not yet released to the newest
   * received, between 16 and 32768. A packet beyond it makes room by dropping the oldest
   * frames; a jump of more than this past the newest packet resets the buffer. Default 1024.
   */
  readonly maxPackets?: number;
  /** A short name put on debug lines (`NODE_DEBUG=x:rtp`), e.g. the SSRC. */
  readonly logId?: string;
}

/** The options after defaults and validation. */
export interface ResolvedJitterBufferOptions {
  readonly depacketizer: Depacketizer;
  readonly clockRate: number;
  readonly targetLatencyMs: number;
  readonly repairMs: number;
  readonly requiresKeyframeAfterLoss: boolean;
  readonly maxPackets: number;
  readonly logId: string;
}

/** Defaults and range checks; throws {@link RtpConfigurationError} on a bad value. */
export function resolveJitterBufferOptions(o: JitterBufferOptions): ResolvedJitterBufferOptions {
  const targetLatencyMs = o.targetLatencyMs ?? 0;
  const maxPackets = o.maxPackets ?? 1024;
  if (!Number.isInteger(o.clockRate) || o.clockRate <= 0) {
    throw new RtpConfigurationError(
      `JitterBuffer: clockRate ${o.clockRate} is not a positive integer; give the RTP clock rate of the payload type (90000 for video, 48000 for Opus)`,
    );
  }
  if (!Number.isFinite(targetLatencyMs) || targetLatencyMs < 0) {
    throw new RtpConfigurationError(
      `JitterBuffer: targetLatencyMs ${targetLatencyMs} is not a finite number of ms >= 0`,
    );
  }
  const repairMs = checkRepairMs(o.repairMs ?? 0);
  if (!Number.isInteger(maxPackets) || maxPackets < 16 || maxPackets > 32768) {
    throw new RtpConfigurationError(
      `JitterBuffer: maxPackets ${maxPackets} is out of range; give an integer from 16 to 32768`,
    );
  }
  return {
    depacketizer: o.depacketizer,
    clockRate: o.clockRate,
    targetLatencyMs,
    repairMs,
    requiresKeyframeAfterLoss: o.requiresKeyframeAfterLoss ?? false,
    maxPackets,
    logId: o.logId ?? '',
  };
}

/** `repairMs` if valid; throws {@link RtpConfigurationError} otherwise. */
export function checkRepairMs(repairMs: number): number {
  if (!Number.isFinite(repairMs) || repairMs < 0) {
    throw new RtpConfigurationError(
      `JitterBuffer: repairMs ${repairMs} is not a finite number of ms >= 0`,
    );
  }
  return repairMs;
}

/** Options of {@link JitterBuffer.pop}. */
export interface JitterPopOptions {
  /**
   * False: delta frames come out without their data (an empty `data`; not assembled by the
   * depacketizer, so one it would refuse is released too), for a caller that counts frames and
   * reads none, such as a track whose frames nobody reads. Keyframes always come whole (an
   * H.264 keyframe's parameter sets are learnt from them). Default true.
   */
  readonly deltaData?: boolean;
  /**
   * False: a complete frame comes out as soon as its last packet is in, not at its playout
   * time; an incomplete one still waits for its missing packets (NACK) until it is due. For a
   * caller that plays nothing out (a track whose frames nobody reads, an SFU that reads the
   * packets): the packets are let go at once instead of being held for the target latency,
   * and `jitterBufferDelay` counts only the wait for the frame to complete. Default true.
   */
  readonly playout?: boolean;
}

/** A complete frame released by the {@link JitterBuffer}, in decode order. */
export interface JitterFrame {
  /** The frame as the depacketizer assembled it. */
  readonly data: Uint8Array;
  /** RFC 3550 §5.1 RTP timestamp of the frame (32 bits). */
  readonly timestamp: number;
  /**
   * True when the depacketizer recognised a packet of the frame that starts it (the first,
   * or a later one of the same timestamp such as an H.264 SPS or IDR) as a keyframe's.
   */
  readonly keyframe: boolean;
  /** Sequence number of the frame's first packet (16 bits). */
  readonly firstSequenceNumber: number;
  /** Sequence number of the frame's last packet (16 bits). */
  readonly lastSequenceNumber: number;
  /** The number of RTP packets the frame came in. */
  readonly packetCount: number;
  /** When the frame was due for playout (same clock as the arrival times). */
  readonly playoutMs: number;
  /**
   * Arrival time of the frame's first packet to arrive: with the time `pop` returned it,
   * what W3C `jitterBufferDelay` adds up.
   */
  readonly firstArrivalMs: number;
  /** Arrival time of the frame's last packet to arrive: the frame was complete from then on. */
  readonly completeMs: number;
}

/** A sequence number the buffer is missing: what a NACK (RFC 4585 §6.2.1) would ask for. */
export interface MissingPacket {
  /** RFC 3550 §5.1 sequence number (16 bits), as a NACK carries it. */
  readonly sequenceNumber: number;
  /** The same, extended (monotonic across wraps): a key for a NACK generator's retry state. */
  readonly extendedSequenceNumber: number;
  /** How long ago (ms) a later packet showed it missing. */
  readonly ageMs: number;
}

/** What {@link JitterBuffer.push} did with a packet. */
export type JitterPushResult =
  /** Stored, or stored after a confirmed jump reset the buffer. */
  | 'accepted'
  /** A copy of a packet already received (held or released): dropped. */
  | 'duplicate'
  /** Older than what the buffer has released or given up on: dropped. */
  | 'late'
  /**
   * Far outside the window (RFC 3550 §A.1): held back, and stored only if the next packet
   * follows it (a jump, which resets the buffer); dropped otherwise.
   */
  | 'out-of-window';

/** Counters of a {@link JitterBuffer} since it was made. */
export interface JitterBufferStats {
  /** Every packet given to `push`. */
  readonly packetsReceived: number;
  /** Packets dropped as copies of one already received. */
  readonly duplicates: number;
  /** Packets dropped for arriving after their frame was released or given up. */
  readonly late: number;
  /**
   * Packets far outside the window, held back until the next packet confirms a jump (then
   * stored after a reset) or not (then dropped).
   */
  readonly outOfWindow: number;
  /** Sequence numbers given up on without ever arriving. */
  readonly lost: number;
  /** Frames released by `pop`. */
  readonly framesEmitted: number;
  /**
   * Frames dropped (of which at least one packet arrived): incomplete at their deadline,
   * delta frames while waiting for a keyframe, frames the depacketizer refused, frames pushed
   * out by the `maxPackets` bound or a reset.
   */
  readonly framesDropped: number;
  /** Times {@link JitterBuffer.keyframeNeeded} went from false to true. */
  readonly keyframesRequested: number;
  /** Times a jump in sequence numbers reset the buffer. */
  readonly resets: number;
}

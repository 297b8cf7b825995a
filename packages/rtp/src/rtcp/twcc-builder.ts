/**
 * Building transport-wide congestion control feedback from packet arrivals, as libwebrtc's
 * `TransportFeedback::AddReceivedPacket` does: the reference time is the first arrival rounded
 * down to 64 ms, each delta is rounded to 250 µs and accumulated (so rounding never drifts),
 * packets missing between two arrivals are reported as not received, and a delta that does not
 * fit 16 signed bits (or a status count past 65535) starts a new feedback packet.
 */

import { RtpConfigurationError } from '../errors.js';
import { checkField } from './header.js';
import type { RtcpTwcc, TwccPacketStatus } from './twcc.js';

/** A received packet: its transport-wide sequence number and arrival time. */
export interface TwccArrival {
  readonly sequenceNumber: number;
  /** Arrival time in µs on the receiver's clock (any epoch, but one clock for all arrivals). */
  readonly arrivalTimeUs: number;
}

/** Options of {@link buildTwccFeedback}. */
export interface TwccFeedbackOptions {
  readonly senderSsrc: number;
  /** Default 0 (libwebrtc puts the SSRC of one media stream; receivers ignore it). */
  readonly mediaSsrc?: number;
  /** The feedback packet count of the first packet built; the next ones count on (mod 256). */
  readonly feedbackPacketCount: number;
}

const TICK_US = 250;

/** µs to 250 µs ticks, rounded to the nearest, halves away from zero (libwebrtc). */
function toTicks(us: number): number {
  return (us < 0 ? -Math.round(-us / TICK_US) : Math.round(us / TICK_US)) + 0;
}
const REFERENCE_US = 64_000;

/** An unwrapped reference time modulo 2²⁴. */
function wrap24(ticks: number): number {
  return ((ticks % 0x1000000) + 0x1000000) % 0x1000000;
}

/**
 * Feedback packets describing `arrivals` (received packets, in any order; their 16-bit
 * sequence numbers are unwrapped around the first one, duplicates are dropped). Usually one
 * packet; more when a gap in time or in sequence numbers does not fit one. Serialize them with
 * `serializeRtcp`.
 */
export function buildTwccFeedback(
  arrivals: readonly TwccArrival[],
  options: TwccFeedbackOptions,
): RtcpTwcc[] {
  checkField('sender SSRC', options.senderSsrc, 0xffffffff);
  checkField('media SSRC', options.mediaSsrc ?? 0, 0xffffffff);
  checkField('TWCC feedback packet count', options.feedbackPacketCount, 255);
  if (arrivals.length === 0) return [];
  // Unwrap around the first sequence number (RFC 3550 A.1 style: nearest in modular distance).
  const first = arrivals[0]!.sequenceNumber;
  const sorted = arrivals
    .map((a) => {
      checkField('transport-wide sequence number', a.sequenceNumber, 0xffff);
      if (!Number.isFinite(a.arrivalTimeUs)) {
        throw new RtpConfigurationError(
          `arrival time ${a.arrivalTimeUs} of packet ${a.sequenceNumber} is not a number`,
        );
      }
      const d = ((a.sequenceNumber - first + 0x8000) & 0xffff) - 0x8000;
      return { seq: first + d, time: a.arrivalTimeUs };
    })
    .sort((a, b) => a.seq - b.seq);

  const out: RtcpTwcc[] = [];
  let fbCount = options.feedbackPacketCount;
  let packets: TwccPacketStatus[] = [];
  let baseSeq = 0;
  let refTicks = 0; // reference time in 64 ms units, unwrapped
  let last = 0; // time of the previous received packet as the receiver will reconstruct it, µs
  let nextSeq = 0;

  const start = (seq: number, time: number): void => {
    baseSeq = seq;
    refTicks = Math.floor(time / REFERENCE_US);
    last = refTicks * REFERENCE_US;
    nextSeq = seq;
    packets = [];
  };
  const finish = (): void => {
    out.push({
      kind: 'twcc',
      senderSsrc: options.senderSsrc,
      mediaSsrc: options.mediaSsrc ?? 0,
      baseSequenceNumber: baseSeq & 0xffff,
      referenceTime: wrap24(refTicks),
      feedbackPacketCount: fbCount,
      packets,
    });
    fbCount = (fbCount + 1) & 0xff;
  };

  start(sorted[0]!.seq, sorted[0]!.time);
  for (const { seq, time } of sorted) {
    if (seq < nextSeq) continue; // duplicate
    let ticks = toTicks(time - last);
    const count = seq - baseSeq + 1;
    if (ticks < -0x8000 || ticks > 0x7fff || count > 0xffff) {
      finish();
      start(seq, time);
      ticks = toTicks(time - last); // 0–255: the new reference is at most 64 ms before
    }
    for (; nextSeq < seq; nextSeq++)
      packets.push({ sequenceNumber: nextSeq & 0xffff, received: false });
    last += ticks * TICK_US;
    packets.push({
      sequenceNumber: seq & 0xffff,
      received: true,
      deltaUs: ticks * TICK_US,
      // On the wire's time base: the 24-bit reference time × 64 ms plus the deltas so far.
      arrivalTimeUs: last + (wrap24(refTicks) - refTicks) * REFERENCE_US,
    });
    nextSeq = seq + 1;
  }
  finish();
  return out;
}

/**
 * The shared vocabulary of the session objects: the media kind, a keyframe request, and the
 * {@link RtpStage} hooks through which loss recovery and congestion control plug in.
 */

import type { RtpPacket } from '../packet/rtp-packet.js';
import type { RtcpPacket } from '../rtcp/rtcp-packet.js';

/** The kind of media a stream carries: it picks defaults (marker bit, keyframe waits, RTCP interval). */
export type MediaKind = 'audio' | 'video';

/**
 * A keyframe request that arrived for one of our streams: a picture loss indication
 * (RFC 4585 §6.3.1) or a full intra request (RFC 5104 §4.3.1).
 */
export interface KeyframeRequest {
  /** Which message asked. */
  readonly kind: 'pli' | 'fir';
  /** SSRC of the peer that asked (the feedback packet's sender SSRC). */
  readonly senderSsrc: number;
  /** The FIR command sequence number (RFC 5104 §4.3.1.1); absent for a PLI. */
  readonly sequenceNumber?: number;
}

/**
 * A stage around one RTP stream, after pion v4's interceptors (`BindLocalStream`,
 * `BindRemoteStream`, `BindRTCPReader`), in plain TypeScript: an object with optional hooks
 * that a stream calls, in the order the stages were given, once its own work on a packet is
 * done. A stage keeps its own state and sends what it produces through whatever it was
 * constructed with (typically {@link RtcpReporter.sendFeedback} or a stream's `retransmit`).
 *
 * This is the place of the feedback stages of the media issue that follows this one:
 * - NACK generator (RFC 4585 §6.2.1): an inbound stage that reads the stream's
 *   `missing(now)` on a timer and sends `{ kind: 'nack' }` through `InboundRtpStream.sendFeedback`;
 * - NACK responder and RTX (RFC 4588): an outbound stage whose `rtcpReceived` answers a NACK
 *   with `OutboundRtpStream.retransmit`;
 * - TWCC (draft-holmer-rmcat-transport-wide-cc-extensions-01): a receive stage that records
 *   `readTransportSequenceNumber` of each `rtpReceived` packet and sends `buildTwccFeedback`
 *   output; its send side records `rtpSent` times and reads the peer's `twcc` feedback;
 * - REMB (draft-alvestrand-rmcat-remb): a receive stage estimating from abs-send-time.
 *
 * Hooks must not throw; one that does is caught by the stream and counted (`stageErrors`).
 */
export interface RtpStage {
  /** A name for debug lines. */
  readonly name: string;
  /** One of our RTP packets, numbered and serialized, as it is handed to `send` (outbound streams). */
  rtpSent?(packet: RtpPacket, nowMs: number): void;
  /** An RTP packet of the peer that the inbound stream accepted (inbound streams). */
  rtpReceived?(packet: RtpPacket, arrivalMs: number): void;
  /**
   * An RTCP packet about the stream: the peer's feedback on an outbound stream (report
   * blocks, NACK, PLI, FIR, REMB, TWCC), the peer's SR, SDES or BYE on an inbound one.
   */
  rtcpReceived?(packet: RtcpPacket, arrivalMs: number): void;
}

/** Calls `call` on each stage in order; a stage that throws is reported to `onError`, the rest still run. */
export function runStages(
  stages: readonly RtpStage[],
  call: (stage: RtpStage) => void,
  onError: (stage: RtpStage, error: unknown) => void,
): void {
  for (const stage of stages) {
    try {
      call(stage);
    } catch (error) {
      onError(stage, error);
    }
  }
}

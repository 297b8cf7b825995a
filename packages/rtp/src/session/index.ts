/**
 * Streams and RTCP reports: the per-stream objects a sender, a receiver, an SFU or a recorder
 * is built from (numbering, packetizing, frames out of the jitter buffer, counters for
 * webrtc-stats), the RTCP sender of a session, and the stage hooks for feedback.
 */

export type {
  InboundLastPacket,
  InboundPopOptions,
  InboundReceiveOptions,
  InboundReceiveResult,
  InboundRtpCounters,
  InboundRtpStreamOptions,
  InboundStreamBye,
  RemoteOutboundRtpCounters,
} from './inbound-options.js';
export { InboundRtpStream } from './inbound-stream.js';
export type {
  ForwardRtpOptions,
  OutboundRtpCounters,
  OutboundRtpStreamOptions,
  RemoteInboundRtpCounters,
  SendFrameOptions,
  SendPayloadOptions,
  SentPacketOrigin,
} from './outbound-options.js';
export {
  NackGenerator,
  type NackGeneratorOptions,
  type NackGeneratorStats,
  type NackGeneratorStream,
} from './nack-generator.js';
export { OutboundRtpStream } from './outbound-stream.js';
export {
  RTCP_AUDIO_INTERVAL_MS,
  RTCP_VIDEO_INTERVAL_MS,
  rtcpIntervalFor,
  rtcpReportDelay,
} from './rtcp-interval.js';
export type { RtcpReporterOptions } from './rtcp-reporter.js';
export { RtcpReporter } from './rtcp-reporter.js';
export type { KeyframeRequest, MediaKind, RtpStage } from './stage.js';
export { TransportSequenceCounter } from './transport-sequence.js';

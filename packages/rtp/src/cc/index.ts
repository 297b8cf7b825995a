/**
 * Congestion control primitives: TWCC feedback on the receiver side, GCC-style send-side
 * bandwidth estimation, probing and pacing on the sender side. Packet-level objects with no
 * clock.
 *
 * @packageDocumentation
 */

export {
  AcknowledgedBitrateEstimator,
  type AcknowledgedBitrateOptions,
} from './acknowledged-bitrate.js';
export {
  AimdRateControl,
  type AimdRateControlOptions,
  type RateControlState,
} from './aimd-rate-control.js';
export { type GroupDelta, type PacketGroupOptions, PacketGrouper } from './inter-arrival.js';
export { LinkCapacityEstimator } from './link-capacity.js';
export { LossBasedEstimator, type LossBasedOptions } from './loss-based.js';
export {
  type PacedPacket,
  type PacedPacketKind,
  Pacer,
  type PacerOptions,
  type PaddingPacket,
} from './pacer.js';
export {
  type ProbeCluster,
  ProbeController,
  type ProbeControllerOptions,
} from './probe-controller.js';
export { RembEstimator, type RembEstimatorOptions } from './remb-estimator.js';
export {
  type BandwidthEstimateDetails,
  SendSideBandwidthEstimator,
  type SendSideBandwidthEstimatorOptions,
  type SentPacketInfo,
} from './send-side-bwe.js';
export {
  type BandwidthUsage,
  TrendlineEstimator,
  type TrendlineOptions,
} from './trendline.js';
export {
  TwccRecorder,
  type TwccRecorderOptions,
} from './twcc-recorder.js';

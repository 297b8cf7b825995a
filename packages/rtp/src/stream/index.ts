/**
 * Stream primitives: what a receive or send pipeline around one RTP stream is built from.
 */

export { JitterBuffer } from './jitter-buffer.js';
export type {
  JitterBufferOptions,
  JitterBufferStats,
  JitterFrame,
  JitterPopOptions,
  JitterPushResult,
  MissingPacket,
} from './jitter-buffer-options.js';
export { ReceiveStatistics } from './receive-statistics.js';
export type { ReceiveStatisticsOptions } from './receive-statistics.js';
export { reportBlockRoundTripMs } from './rtt.js';
export {
  RTX_OSN_SIZE,
  unwrapRtxPacket,
  unwrapRtxPayload,
  wrapRtxPacket,
  wrapRtxPayload,
} from './rtx.js';
export type {
  RtxFailure,
  RtxOriginalParameters,
  RtxPacketResult,
  RtxPayloadResult,
  RtxStreamParameters,
} from './rtx.js';
export { SendHistory } from './send-history.js';
export type { SendHistoryOptions, SendHistoryStats, SentPacket } from './send-history.js';
export { SequenceNumberUnwrapper, sequenceDelta, TimestampUnwrapper } from './unwrap.js';

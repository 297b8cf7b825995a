/**
 * Stream primitives: what a receive or send pipeline around one RTP stream is built from.
 */

export { JitterBuffer } from './jitter-buffer.js';
export type {
  JitterBufferOptions,
  JitterBufferStats,
  JitterFrame,
  JitterPushResult,
  MissingPacket,
} from './jitter-buffer-options.js';
export { SequenceNumberUnwrapper, sequenceDelta, TimestampUnwrapper } from './unwrap.js';

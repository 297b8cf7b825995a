/**
 * `@x/rtp`: RTP and RTCP packets (RFC 3550, 4585, 5104, 3611, 8285, transport-wide congestion
 * control), payloaders and depayloaders per codec, and the primitives a media stream is built
 * from (sequence unwrapping, jitter buffer, send history, RTX, receive statistics). It knows
 * nothing of SDP or the W3C API, so an SFU or a recorder can use it alone.
 *
 * @packageDocumentation
 */

export { RtpConfigurationError, RtpError } from './errors.js';
export * from './packet/index.js';
export * from './rtcp/index.js';
export * from './codecs/index.js';
export * from './stream/index.js';
export * from './cc/index.js';
export * from './session/index.js';

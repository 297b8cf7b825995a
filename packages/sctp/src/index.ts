/**
 * `@x/sctp`: SCTP over DTLS for WebRTC data channels (RFC 9260, RFC 8261, RFC 8841,
 * RFC 3758, RFC 6525, RFC 9653). {@link Association} runs over any datagram transport;
 * `new Association(transport, options, (state, cause) => …)` reports every `AssociationState`
 * with its `AssociationCause`.
 *
 * @packageDocumentation
 */

export { Association } from './association.js';
export {
  type CausesChunk,
  type Chunk,
  ChunkType,
  type CookieEchoChunk,
  type DataChunk,
  DataFlags,
  decodeChunkAt,
  type EmptyChunk,
  encodeChunk,
  type ForwardTsnChunk,
  type ForwardTsnStream,
  type GapBlock,
  type HeartbeatChunk,
  type InitChunk,
  type KnownChunk,
  type ReconfigChunk,
  type SackChunk,
  type ShutdownChunk,
  type UnknownChunk,
} from './chunk.js';
export { crc32c, sctpChecksum } from './crc32c.js';
export {
  InvalidStateError,
  InvalidStreamError,
  MessageTooLargeError,
  SctpConfigurationError,
  SctpError,
} from './errors.js';
export {
  type AssociationHandlers,
  type AssociationOptions,
  type AssociationStats,
  type DatagramTransport,
  Ppid,
  type SendOptions,
} from './options.js';
export {
  decodePacket,
  encodePacket,
  type Packet,
  type PacketError,
  verifyChecksum,
} from './packet.js';
export { CauseCode, EDMID_DTLS, ParamType, ReconfigResult, type Tlv } from './param.js';
export {
  type AssociationCause,
  type AssociationNotifier,
  AssociationState,
  type ErrorCause,
  type RetransmissionTimer,
} from './state.js';

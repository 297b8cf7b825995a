/**
 * `@x/network`: the `Manager`, which owns one ICE agent, DTLS and SCTP over its selected pair,
 * the RFC 7983 demultiplexer, the data channel protocol (RFC 8832) and SRTP.
 * `new Manager(config, onMedia, (event) => …)` reports every state change of the ICE, DTLS
 * and SCTP transports with its cause, in this package's own enums (mapped from the layers
 * below in `map-*.ts`), and calls `onMedia` for each new incoming RTP stream to learn where
 * its packets go.
 *
 * @packageDocumentation
 */

export type {
  DataChannel,
  DataChannelHandlers,
  DataChannelParameters,
  DataChannelState,
} from './data-channel.js';
export {
  ChannelClosedError,
  InvalidArgumentError,
  InvalidStateError,
  NetworkError,
  OperationError,
} from './errors.js';
export {
  type Certificate,
  certificateFingerprints,
  generateCertificate,
  generateRsaCertificate,
  Manager,
  type ManagerConfig,
  type ManagerEvent,
  type ManagerHandler,
  type ManagerStats,
  type RemoteParameters,
} from './manager.js';
export { parseCandidateAttribute } from './map-ice.js';
/** The shared UDP port of `ManagerConfig.udpMux`, from `@x/ice` (so that layers above need not import it). */
export {
  type AnnouncedAddress,
  UdpMux,
  type UdpMuxDrops,
  type UdpMuxOptions,
  type UdpMuxRouteCounts,
  type UdpMuxStats,
} from '@x/ice';
/**
 * New local ICE credentials (RFC 8445 §5.3), from `@x/ice`: what a layer above uses for an
 * ICE restart it signals itself (the W3C `createOffer({ iceRestart })`).
 */
export { generateIceCredentials } from '@x/ice';
/** The shared ICE-TCP listener of `ManagerConfig.tcpMux`, from `@x/ice`. */
export { TcpMux, type TcpMuxDrops, type TcpMuxOptions, type TcpMuxStats } from '@x/ice';
export type {
  IncomingStream,
  MediaDropCounts,
  MediaGenerator,
  MediaOptions,
  MediaRoutes,
  MediaSink,
  MediaStats,
  SendStreamFeedback,
} from './media/media-types.js';
export {
  type CandidateDescription,
  type CandidatePairDescription,
  type CandidatePairState,
  type CandidatePairStats,
  describeCause,
  type DtlsTransportCause,
  DtlsTransportState,
  type IceTransportCause,
  IceTransportState,
  type IceTransportStats,
  type SctpTransportStats,
  type SctpTransportCause,
  SctpTransportState,
  type SelectedPairCause,
} from './transport-state.js';

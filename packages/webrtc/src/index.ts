/**
 * `@x/webrtc`: the W3C `RTCPeerConnection`, `RTCDataChannel` and transports for Node.js, with
 * `event.cause` and `pc.connectionStateCause` telling why each state changed.
 *
 * @packageDocumentation
 */

export {
  type SafeAddEventListenerOptions,
  type SafeEventListener,
  SafeEventTarget,
  type SafeRemoveEventListenerOptions,
  setListenerErrorHandler,
} from './events.js';
export {
  type BinaryType,
  type DataChannelCounters as _DataChannelCounters,
  type DataChannelObserver as _DataChannelObserver,
  RTCDataChannel,
  type RTCDataChannelState,
  RTCErrorEvent,
} from './rtc-data-channel.js';
export type { CertificateAlgorithm } from './generate-certificate.js';
export { RTCError, type RTCErrorDetailType, type RTCErrorInit } from './rtc-error.js';
export { RTCIceCandidate, type RTCIceCandidateInit } from './rtc-ice-candidate.js';
export { RTCPeerConnection } from './rtc-peer-connection.js';
export type { RTCStats } from './rtc-stats.js';
export {
  RTCDtlsTransport,
  RTCIceCandidatePair,
  type RTCIceGatheringState,
  RTCIceTransport,
  RTCSctpTransport,
  type RTCSctpTransportState,
} from './rtc-transports.js';
export {
  type RTCAnswerOptions,
  RTCCertificate,
  type RTCConfiguration,
  RTCDataChannelEvent,
  type RTCDataChannelInit,
  type RTCIceServer,
  type RTCOfferOptions,
  RTCPeerConnectionIceErrorEvent,
  RTCPeerConnectionIceEvent,
  type RTCSdpType,
  RTCSessionDescription,
  type RTCSessionDescriptionInit,
  type RTCSignalingState,
  RTCStateChangeEvent,
} from './rtc-types.js';
export { deriveConnectionState, deriveIceConnectionState } from './state/derive.js';
export { mapDtlsTransportState, mapIceTransportState } from './state/map-network.js';
export {
  iceConnectionStateName,
  peerConnectionStateName,
  type RTCDtlsTransportState,
  type RTCIceConnectionState,
  RTCIceConnectionStateCode,
  type RTCIceTransportState,
  type RTCPeerConnectionState,
  RTCPeerConnectionStateCode,
} from './state/states.js';

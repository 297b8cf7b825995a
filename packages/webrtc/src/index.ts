/**
 * `@x/webrtc`: the W3C `RTCPeerConnection`, `RTCDataChannel`, transports, transceivers and
 * tracks for Node.js, with `event.cause` and `pc.connectionStateCause` telling why each state
 * changed, as data (an {@link RTCStateCause}: `switch (cause.kind)`).
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
  RTCDataChannel,
  type RTCDataChannelState,
  RTCErrorEvent,
} from './rtc-data-channel.js';
export type { CertificateAlgorithm } from './generate-certificate.js';
export { RTCError, type RTCErrorDetailType, type RTCErrorInit } from './rtc-error.js';
export { RTCIceCandidate, type RTCIceCandidateInit } from './rtc-ice-candidate.js';
export { MediaStream, MediaStreamTrackEvent } from './media-stream.js';
export {
  type LocalTrackOptions,
  MediaStreamTrack,
  type MediaStreamTrackKind,
  type MediaStreamTrackState,
  type TrackSource,
  type EncodedMediaFrame,
  type WriteFrameOptions,
  type WriteRtpOptions,
} from './media-stream-track.js';
export { KeyframeRequestEvent, type TrackStateCause, TrackStateEvent } from './track-events.js';
export { RTCPeerConnection } from './rtc-peer-connection.js';
export {
  RTCDTMFSender,
  RTCDTMFToneChangeEvent,
  type RTCDTMFToneChangeEventInit,
} from './rtc-dtmf-sender.js';
export {
  type RTCRtpContributingSource,
  type RTCRtpReceiveLayer,
  RTCRtpReceiver,
  type RTCRtpSynchronizationSource,
  type SelectLayerOptions,
} from './rtc-rtp-receiver.js';
export { RTCRtpSender } from './rtc-rtp-sender.js';
export { RTCRtpTransceiver } from './rtc-rtp-transceiver.js';
export { RTCTrackEvent, type RTCTrackEventInit } from './rtc-track-event.js';
export type {
  RTCRtcpParameters,
  RTCRtpCapabilities,
  RTCRtpCodec,
  RTCRtpCodecParameters,
  RTCRtpEncodingParameters,
  RTCRtpHeaderExtensionCapability,
  RTCRtpHeaderExtensionParameters,
  RTCRtpParameters,
  RTCRtpReceiveParameters,
  RTCRtpSendParameters,
  RTCRtpTransceiverDirection,
  RTCRtpTransceiverInit,
} from './rtp-parameters.js';
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
} from './rtc-types.js';
export { RTCStateChangeEvent } from './rtc-state-change-event.js';
export type {
  RTCDataChannelStateCause,
  RTCDtlsStateCause,
  RTCIceStateCause,
  RTCPeerConnectionStateCause,
  RTCSctpStateCause,
  RTCStateCause,
  RTCStateCauseLayer,
  RTCStateCauseMembers,
} from './state/causes.js';
/**
 * The transports' causes of `@x/network` that {@link RTCStateCause} carries, and the candidate
 * pair of its ICE causes, so that a program can name them without importing `@x/network`.
 */
export type {
  CandidateDescription,
  CandidatePairDescription,
  DtlsTransportCause,
  IceTransportCause,
  SctpTransportCause,
} from '@x/network';
export type {
  RTCDtlsTransportState,
  RTCIceConnectionState,
  RTCIceTransportState,
  RTCPeerConnectionState,
} from './state/states.js';

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

/**
 * The W3C states of `RTCPeerConnection` and its transports. Each has a numeric enum in the
 * order webrtc-pc lists its values (so that no number of a lower layer's enum ever means
 * anything here) and the string union the W3C API returns.
 */

/** webrtc-pc §4.4.4 `RTCIceConnectionState`, in the specification's order. */
export enum RTCIceConnectionStateCode {
  New = 1,
  Checking,
  Connected,
  Completed,
  Disconnected,
  Failed,
  Closed,
}

/** webrtc-pc §4.4.3 `RTCPeerConnectionState`, in the specification's order. */
export enum RTCPeerConnectionStateCode {
  New = 1,
  Connecting,
  Connected,
  Disconnected,
  Failed,
  Closed,
}

/** The string values of `RTCPeerConnection.iceConnectionState`. */
export type RTCIceConnectionState =
  | 'new'
  | 'checking'
  | 'connected'
  | 'completed'
  | 'disconnected'
  | 'failed'
  | 'closed';

/** The string values of `RTCPeerConnection.connectionState`. */
export type RTCPeerConnectionState =
  | 'new'
  | 'connecting'
  | 'connected'
  | 'disconnected'
  | 'failed'
  | 'closed';

/** The string values of `RTCIceTransport.state` (webrtc-pc §5.6.4). */
export type RTCIceTransportState =
  | 'new'
  | 'checking'
  | 'connected'
  | 'completed'
  | 'disconnected'
  | 'failed'
  | 'closed';

/** The string values of `RTCDtlsTransport.state` (webrtc-pc §5.5.1). */
export type RTCDtlsTransportState = 'new' | 'connecting' | 'connected' | 'closed' | 'failed';

const ICE_CONNECTION: Record<RTCIceConnectionStateCode, RTCIceConnectionState> = {
  [RTCIceConnectionStateCode.New]: 'new',
  [RTCIceConnectionStateCode.Checking]: 'checking',
  [RTCIceConnectionStateCode.Connected]: 'connected',
  [RTCIceConnectionStateCode.Completed]: 'completed',
  [RTCIceConnectionStateCode.Disconnected]: 'disconnected',
  [RTCIceConnectionStateCode.Failed]: 'failed',
  [RTCIceConnectionStateCode.Closed]: 'closed',
};

const PEER_CONNECTION: Record<RTCPeerConnectionStateCode, RTCPeerConnectionState> = {
  [RTCPeerConnectionStateCode.New]: 'new',
  [RTCPeerConnectionStateCode.Connecting]: 'connecting',
  [RTCPeerConnectionStateCode.Connected]: 'connected',
  [RTCPeerConnectionStateCode.Disconnected]: 'disconnected',
  [RTCPeerConnectionStateCode.Failed]: 'failed',
  [RTCPeerConnectionStateCode.Closed]: 'closed',
};

/** The W3C string of an ICE connection state. */
export function iceConnectionStateName(code: RTCIceConnectionStateCode): RTCIceConnectionState {
  return ICE_CONNECTION[code];
}

/** The W3C string of a peer connection state. */
export function peerConnectionStateName(code: RTCPeerConnectionStateCode): RTCPeerConnectionState {
  return PEER_CONNECTION[code];
}

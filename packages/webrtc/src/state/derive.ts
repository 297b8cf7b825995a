/**
 * The two derivations of webrtc-pc (W3C Recommendation, 2025 text): "update the ICE connection
 * state" (§4.4.4, the `RTCIceConnectionState` table) and "update the connection state"
 * (§4.4.3, the `RTCPeerConnectionState` table). Each is a pure function of the transports'
 * states: the rows are evaluated in the specification's order and the first that holds wins.
 * The set of transports considered is the one presently referenced by the peer connection.
 */
import {
  type RTCDtlsTransportState,
  RTCIceConnectionStateCode,
  type RTCIceTransportState,
  RTCPeerConnectionStateCode,
} from './states.js';

/** `RTCPeerConnection.iceConnectionState` from the ICE transports' states. */
export function deriveIceConnectionState(
  isClosed: boolean,
  iceTransports: readonly RTCIceTransportState[],
): RTCIceConnectionStateCode {
  // "closed": The RTCPeerConnection object's [[IsClosed]] slot is true.
  if (isClosed) return RTCIceConnectionStateCode.Closed;
  // "failed": None of the previous states apply and any RTCIceTransports are in the "failed" state.
  if (iceTransports.some((s) => s === 'failed')) return RTCIceConnectionStateCode.Failed;
  // "disconnected": None of the previous states apply and any RTCIceTransports are in the
  // "disconnected" state.
  if (iceTransports.some((s) => s === 'disconnected'))
    return RTCIceConnectionStateCode.Disconnected;
  // "new": None of the previous states apply and all RTCIceTransports are in the "new" or
  // "closed" state, or there are no transports.
  if (iceTransports.every((s) => s === 'new' || s === 'closed'))
    return RTCIceConnectionStateCode.New;
  // "checking": None of the previous states apply and any RTCIceTransports are in the "new" or
  // "checking" state.
  if (iceTransports.some((s) => s === 'new' || s === 'checking'))
    return RTCIceConnectionStateCode.Checking;
  // "completed": None of the previous states apply and all RTCIceTransports are in the
  // "completed" or "closed" state.
  if (iceTransports.every((s) => s === 'completed' || s === 'closed'))
    return RTCIceConnectionStateCode.Completed;
  // "connected": None of the previous states apply and all RTCIceTransports are in the
  // "connected", "completed" or "closed" state. After the rows above, nothing else remains.
  return RTCIceConnectionStateCode.Connected;
}

/** `RTCPeerConnection.connectionState` from the ICE connection state and the DTLS transports' states. */
export function deriveConnectionState(
  isClosed: boolean,
  iceConnectionState: RTCIceConnectionStateCode,
  dtlsTransports: readonly RTCDtlsTransportState[],
): RTCPeerConnectionStateCode {
  // "closed": [[IsClosed]] is true.
  if (isClosed) return RTCPeerConnectionStateCode.Closed;
  // "failed": The previous state doesn't apply, and either [[IceConnectionState]] is "failed"
  // or any RTCDtlsTransports are in the "failed" state.
  if (
    iceConnectionState === RTCIceConnectionStateCode.Failed ||
    dtlsTransports.some((s) => s === 'failed')
  ) {
    return RTCPeerConnectionStateCode.Failed;
  }
  // "disconnected": None of the previous states apply, and [[IceConnectionState]] is "disconnected".
  if (iceConnectionState === RTCIceConnectionStateCode.Disconnected)
    return RTCPeerConnectionStateCode.Disconnected;
  // "new": None of the previous states apply, and [[IceConnectionState]] is "new", and all
  // RTCDtlsTransports are in the "new" or "closed" state, or there are no transports.
  if (
    dtlsTransports.length === 0 ||
    (iceConnectionState === RTCIceConnectionStateCode.New &&
      dtlsTransports.every((s) => s === 'new' || s === 'closed'))
  ) {
    return RTCPeerConnectionStateCode.New;
  }
  // "connected": None of the previous states apply, [[IceConnectionState]] is "connected" or
  // "completed", and all RTCDtlsTransports are in the "connected" or "closed" state.
  if (
    (iceConnectionState === RTCIceConnectionStateCode.Connected ||
      iceConnectionState === RTCIceConnectionStateCode.Completed) &&
    dtlsTransports.every((s) => s === 'connected' || s === 'closed')
  ) {
    return RTCPeerConnectionStateCode.Connected;
  }
  // "connecting": None of the previous states apply.
  return RTCPeerConnectionStateCode.Connecting;
}

/**
 * The connection side of an `RTCPeerConnection`: the transports' states as the Manager reports
 * them, and `iceConnectionState` / `connectionState` derived from those with webrtc-pc's
 * "update the ICE connection state" and "update the connection state" (the pure functions of
 * `state/derive.ts`), each change with its cause. Events go out in webrtc-pc's order:
 * `selectedcandidatepairchange`, the transport's `statechange`, `iceconnectionstatechange`,
 * `connectionstatechange`.
 */

import {
  describeCause,
  type DtlsTransportCause,
  type IceTransportCause,
  type ManagerEvent,
  type SctpTransportCause,
  SctpTransportState,
} from '@x/network';
import { RTCStateChangeEvent } from './rtc-types.js';
import type { RTCDtlsTransport, RTCIceTransport, RTCSctpTransport } from './rtc-transports.js';
import { deriveConnectionState, deriveIceConnectionState } from './state/derive.js';
import { mapDtlsTransportState, mapIceTransportState } from './state/map-network.js';
import { RTCIceConnectionStateCode, RTCPeerConnectionStateCode } from './state/states.js';

/** What the states need from their peer connection. */
export interface ConnectionStatesHost {
  /** Where `iceconnectionstatechange` and `connectionstatechange` are dispatched. */
  readonly target: EventTarget;
  readonly iceTransport: RTCIceTransport;
  readonly dtlsTransport: RTCDtlsTransport;
  readonly sctpTransport: RTCSctpTransport;
  /** The `mid` of the data m-line, for the selected pair's candidates. */
  mid(): string;
  /** The peer's certificate (DER), once DTLS is connected. */
  remoteCertificate(): Buffer | undefined;
}

/** @internal Owned by `RTCPeerConnection`. */
export class ConnectionStates {
  iceConnection = RTCIceConnectionStateCode.New;
  connection = RTCPeerConnectionStateCode.New;
  iceConnectionCause = '';
  connectionCause = '';
  /** The negotiated DTLS cipher suite (from the handshake's cause), for getStats(). */
  cipherSuite: string | undefined;
  /** webrtc-stats `selectedCandidatePairChanges`. */
  selectedPairChanges = 0;
  private closed = false;

  constructor(private readonly host: ConnectionStatesHost) {}

  /** Handles a transport event of the Manager; false when `event` is of another kind. */
  onEvent(event: ManagerEvent): boolean {
    const { iceTransport, dtlsTransport, sctpTransport } = this.host;
    switch (event.kind) {
      case 'selected-pair':
        this.selectedPairChanges++;
        iceTransport.setSelectedPair(event.pair, this.host.mid());
        iceTransport.dispatchEvent(new Event('selectedcandidatepairchange'));
        return true;
      case 'ice-state':
        iceTransport.stateValue = mapIceTransportState(event.state);
        iceTransport.dispatchEvent(new Event('statechange'));
        this.update(event.cause);
        return true;
      case 'dtls-state':
        dtlsTransport.stateValue = mapDtlsTransportState(event.state);
        if (event.state === 3 /* connected */)
          dtlsTransport.remoteCertificate = this.host.remoteCertificate();
        if (event.cause.kind === 'handshake-complete') this.cipherSuite = event.cause.cipherSuite;
        dtlsTransport.dispatchEvent(new Event('statechange'));
        this.update(event.cause);
        return true;
      case 'sctp-state':
        sctpTransport.stateValue =
          event.state === SctpTransportState.Connected
            ? 'connected'
            : event.state === SctpTransportState.Closed
              ? 'closed'
              : 'connecting';
        sctpTransport.dispatchEvent(new Event('statechange'));
        return true;
      default:
        return false;
    }
  }

  /** `close()`: every state closed at once, no event (webrtc-pc). */
  close(): void {
    this.closed = true;
    this.iceConnection = RTCIceConnectionStateCode.Closed;
    this.connection = RTCPeerConnectionStateCode.Closed;
    this.iceConnectionCause = this.connectionCause = 'closed by the user';
    this.host.iceTransport.stateValue = 'closed';
    this.host.dtlsTransport.stateValue = 'closed';
    this.host.sctpTransport.stateValue = 'closed';
  }

  /** "update the ICE connection state" then "update the connection state" (webrtc-pc §4.4). */
  private update(cause: IceTransportCause | DtlsTransportCause | SctpTransportCause): void {
    const why = describeCause(cause);
    const { target, iceTransport, dtlsTransport } = this.host;
    const ice = deriveIceConnectionState(this.closed, [iceTransport.state]);
    if (ice !== this.iceConnection) {
      this.iceConnection = ice;
      this.iceConnectionCause = why;
      target.dispatchEvent(new RTCStateChangeEvent('iceconnectionstatechange', why));
    }
    const pc = deriveConnectionState(this.closed, this.iceConnection, [dtlsTransport.state]);
    if (pc !== this.connection) {
      this.connection = pc;
      this.connectionCause = why;
      target.dispatchEvent(new RTCStateChangeEvent('connectionstatechange', why));
    }
  }
}

/**
 * The connection side of an `RTCPeerConnection`: the transports' states as the Manager reports
 * them, and `iceConnectionState` / `connectionState` derived from those with webrtc-pc's
 * "update the ICE connection state" and "update the connection state" (the pure functions of
 * `state/derive.ts`), each change with its cause. Events go out in webrtc-pc's order:
 * `selectedcandidatepairchange`, the transport's `statechange`, `iceconnectionstatechange`,
 * `connectionstatechange`.
 */

import { type DtlsTransportCause, type ManagerEvent, SctpTransportState } from '@x/network';
import { RTCErrorEvent } from './rtc-data-channel.js';
import { RTCError, type RTCErrorInit } from './rtc-error.js';
import { RTCStateChangeEvent } from './rtc-state-change-event.js';
import {
  dtlsTransportControl,
  iceTransportControl,
  type RTCDtlsTransport,
  type RTCIceTransport,
  type RTCSctpTransport,
  sctpTransportControl,
} from './rtc-transports.js';
import {
  CLOSED_BY_USER,
  CREATED,
  dtlsStateCause,
  iceStateCause,
  type RTCStateCause,
  sctpStateCause,
} from './state/causes.js';
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
  /**
   * The `sdpMid` and `sdpMLineIndex` of the media section that carries the transport (the
   * BUNDLE tag, see `JsepState.transportSection()`), for the selected pair's candidates.
   */
  section(): readonly [mid: string, index: number];
  /** The peer's certificate chain (DER, its certificate first), once DTLS is connected. */
  remoteCertificates(): readonly Buffer[];
  /** The SCTP streams negotiated each way (the fewer), once the association is up. */
  sctpStreams(): number | undefined;
}

/**
 * @internal Owned by `RTCPeerConnection`. The one writer of the transports' states (ICE, DTLS,
 * SCTP), of the selected pair, [[RemoteCertificates]] and [[MaxChannels]], and of
 * `iceConnectionState` and `connectionState` with their causes (`state/causes.ts`: the
 * `@x/network` cause of the transport that changed, with its layer and its sentence).
 */
export class ConnectionStates {
  iceConnection = RTCIceConnectionStateCode.New;
  connection = RTCPeerConnectionStateCode.New;
  iceConnectionCause: RTCStateCause = CREATED;
  connectionCause: RTCStateCause = CREATED;
  /** The negotiated DTLS cipher suite (from the handshake's cause), for getStats(). */
  cipherSuite: string | undefined;
  /** The SRTP protection profile `use_srtp` negotiated (from the same cause), for getStats(). */
  srtpProfile: string | undefined;
  /** webrtc-stats `selectedCandidatePairChanges`. */
  selectedPairChanges = 0;
  private closed = false;
  /** A selected pair change whose `selectedcandidatepairchange` has not been fired yet. */
  private pairPending = false;

  constructor(private readonly host: ConnectionStatesHost) {}

  /** Handles a transport event of the Manager; false when `event` is of another kind. */
  onEvent(event: ManagerEvent): boolean {
    const { iceTransport, dtlsTransport, sctpTransport } = this.host;
    // webrtc-pc "change the selected candidate pair and state": a new pair and the ICE state
    // change it brings are one task. The Manager reports the pair first, then (at once) the
    // state: the pair's event waits for the state, or for anything else, or for a microtask.
    if (event.kind !== 'ice-state') this.firePair();
    switch (event.kind) {
      case 'selected-pair':
        this.selectedPairChanges++;
        iceTransportControl().setSelectedPair(iceTransport, event.pair, ...this.host.section());
        this.pairPending = true;
        queueMicrotask(() => this.firePair());
        return true;
      case 'ice-state': {
        const cause = iceStateCause(event.cause);
        iceTransportControl().setState(iceTransport, mapIceTransportState(event.state), cause);
        // Every slot is set before the first event: the pair, the transport's state, then
        // [[IceConnectionState]] and [[ConnectionState]].
        this.update(cause, () => {
          this.firePair();
          // A `selectedcandidatepairchange` listener may have closed the connection.
          if (!this.closed)
            iceTransport.dispatchEvent(new RTCStateChangeEvent('statechange', cause));
        });
        return true;
      }
      case 'dtls-state': {
        const state = mapDtlsTransportState(event.state);
        const cause = dtlsStateCause(event.cause);
        if (state === 'failed') {
          // webrtc-pc §5.5: an error (a failed fingerprint, a fatal alert) fires `error`, an
          // RTCErrorEvent, then `statechange`; nothing when the transport has already failed.
          if (dtlsTransport.state === 'failed') return true;
          dtlsTransportControl().setState(dtlsTransport, state, cause);
          const error = new RTCError(dtlsErrorInit(event.cause), cause.message);
          dtlsTransport.dispatchEvent(new RTCErrorEvent('error', { error, cause }));
          // An `error` listener may have closed the connection: nothing more fires.
          if (this.closed) return true;
        } else {
          dtlsTransportControl().setState(dtlsTransport, state, cause);
          // [[RemoteCertificates]]: the chain in use by the peer, set on `connected`.
          if (state === 'connected')
            dtlsTransportControl().setRemoteCertificates(
              dtlsTransport,
              this.host.remoteCertificates(),
            );
        }
        if (event.cause.kind === 'handshake-complete') {
          this.cipherSuite = event.cause.cipherSuite;
          this.srtpProfile = event.cause.srtpProfile;
        }
        dtlsTransport.dispatchEvent(new RTCStateChangeEvent('statechange', cause));
        this.update(cause);
        return true;
      }
      case 'sctp-state': {
        const cause = sctpStateCause(event.cause);
        sctpTransportControl().setState(
          sctpTransport,
          event.state === SctpTransportState.Connected
            ? 'connected'
            : event.state === SctpTransportState.Closed
              ? 'closed'
              : 'connecting',
          cause,
        );
        // webrtc-pc "RTCSctpTransport connected": [[MaxChannels]], then statechange (before the
        // channels' open events, which the Manager announces after this event).
        if (sctpTransport.state === 'connected')
          sctpTransportControl().setMaxChannels(sctpTransport, this.host.sctpStreams() ?? null);
        sctpTransport.dispatchEvent(new RTCStateChangeEvent('statechange', cause));
        return true;
      }
      default:
        return false;
    }
  }

  /** `close()`: every state closed at once, no event (webrtc-pc). */
  close(): void {
    this.closed = true;
    this.pairPending = false;
    this.iceConnection = RTCIceConnectionStateCode.Closed;
    this.connection = RTCPeerConnectionStateCode.Closed;
    this.iceConnectionCause = this.connectionCause = CLOSED_BY_USER;
    iceTransportControl().setState(this.host.iceTransport, 'closed', CLOSED_BY_USER);
    dtlsTransportControl().setState(this.host.dtlsTransport, 'closed', CLOSED_BY_USER);
    sctpTransportControl().setState(this.host.sctpTransport, 'closed', CLOSED_BY_USER);
  }

  /** Fires the pending `selectedcandidatepairchange`, if any. */
  private firePair(): void {
    if (!this.pairPending || this.closed) return;
    this.pairPending = false;
    this.host.iceTransport.dispatchEvent(new Event('selectedcandidatepairchange'));
  }

  /**
   * "update the ICE connection state" then "update the connection state" (webrtc-pc §4.4,
   * §5.6): both slots are set, then `transportEvents` run (the transport's own events), then
   * `iceconnectionstatechange` and `connectionstatechange` fire for the slots that changed.
   */
  private update(why: RTCStateCause, transportEvents: () => void = () => {}): void {
    const { target, iceTransport, dtlsTransport } = this.host;
    const ice = deriveIceConnectionState(this.closed, [iceTransport.state]);
    const iceChanged = ice !== this.iceConnection;
    if (iceChanged) {
      this.iceConnection = ice;
      this.iceConnectionCause = why;
    }
    const pc = deriveConnectionState(this.closed, this.iceConnection, [dtlsTransport.state]);
    const pcChanged = pc !== this.connection;
    if (pcChanged) {
      this.connection = pc;
      this.connectionCause = why;
    }
    transportEvents();
    // A listener may have closed the connection: then nothing more fires (webrtc-pc close()).
    if (iceChanged && !this.closed)
      target.dispatchEvent(new RTCStateChangeEvent('iceconnectionstatechange', why));
    if (pcChanged && !this.closed)
      target.dispatchEvent(new RTCStateChangeEvent('connectionstatechange', why));
  }
}

/**
 * The `RTCError` of a DTLS failure (webrtc-pc `RTCErrorDetailType`): `fingerprint-failure` when
 * the peer's certificate does not match the signaled fingerprint, else `dtls-failure` with the
 * alert received from the peer (`receivedAlert`) or sent to it (`sentAlert`) when there was one.
 */
export function dtlsErrorInit(cause: DtlsTransportCause): RTCErrorInit {
  switch (cause.kind) {
    case 'fingerprint-mismatch':
      return { errorDetail: 'fingerprint-failure' };
    case 'alert-received':
      return { errorDetail: 'dtls-failure', receivedAlert: cause.alertCode };
    case 'protocol-error':
      return { errorDetail: 'dtls-failure', sentAlert: cause.alertCode };
    default:
      return { errorDetail: 'dtls-failure' };
  }
}

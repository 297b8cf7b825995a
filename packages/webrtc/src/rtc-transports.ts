/**
 * W3C `RTCIceTransport` (webrtc-pc §5.6), `RTCDtlsTransport` (§5.5) and `RTCSctpTransport`
 * (§6.1): read-only views of the Manager's transports, updated by `RTCPeerConnection`.
 */
import type { CandidatePairDescription } from '@x/network';
import { defineEventHandler, SafeEventTarget } from './events.js';
import { RTCIceCandidate } from './rtc-ice-candidate.js';
import type { RTCDtlsTransportState, RTCIceTransportState } from './state/states.js';

/** W3C `RTCIceCandidatePair`. */
export interface RTCIceCandidatePair {
  readonly local: RTCIceCandidate;
  readonly remote: RTCIceCandidate;
}

/** W3C `RTCIceGatheringState`. */
export type RTCIceGatheringState = 'new' | 'gathering' | 'complete';

/** W3C `RTCIceTransport`. */
export class RTCIceTransport extends SafeEventTarget {
  /** @internal */ stateValue: RTCIceTransportState = 'new';
  /** @internal */ gatheringValue: RTCIceGatheringState = 'new';
  /** @internal */ roleValue: 'controlling' | 'controlled' | 'unknown' = 'unknown';
  private pair: RTCIceCandidatePair | null = null;
  declare onstatechange: ((event: Event) => unknown) | null;
  declare ongatheringstatechange: ((event: Event) => unknown) | null;
  declare onselectedcandidatepairchange: ((event: Event) => unknown) | null;

  get state(): RTCIceTransportState {
    return this.stateValue;
  }
  get gatheringState(): RTCIceGatheringState {
    return this.gatheringValue;
  }
  get role(): 'controlling' | 'controlled' | 'unknown' {
    return this.roleValue;
  }
  get component(): 'rtp' {
    return 'rtp';
  }

  /** W3C `getSelectedCandidatePair()`. */
  getSelectedCandidatePair(): RTCIceCandidatePair | null {
    return this.pair;
  }

  /** @internal */
  setSelectedPair(pair: CandidatePairDescription, mid: string): void {
    this.pair = {
      local: new RTCIceCandidate({
        candidate: pair.local.candidate,
        sdpMid: mid,
        sdpMLineIndex: 0,
      }),
      remote: new RTCIceCandidate({
        candidate: pair.remote.candidate,
        sdpMid: mid,
        sdpMLineIndex: 0,
      }),
    };
  }
}

/** W3C `RTCDtlsTransport`. */
export class RTCDtlsTransport extends SafeEventTarget {
  /** @internal */ stateValue: RTCDtlsTransportState = 'new';
  /** @internal */ remoteCertificate: Buffer | undefined;
  declare onstatechange: ((event: Event) => unknown) | null;
  declare onerror: ((event: Event) => unknown) | null;

  constructor(readonly iceTransport: RTCIceTransport) {
    super();
  }

  get state(): RTCDtlsTransportState {
    return this.stateValue;
  }

  /** W3C `getRemoteCertificates()`: the DER of the peer's certificate, once connected. */
  getRemoteCertificates(): ArrayBuffer[] {
    const der = this.remoteCertificate;
    return der
      ? [der.buffer.slice(der.byteOffset, der.byteOffset + der.byteLength) as ArrayBuffer]
      : [];
  }
}

/** W3C `RTCSctpTransportState`. */
export type RTCSctpTransportState = 'connecting' | 'connected' | 'closed';

/** W3C `RTCSctpTransport`. */
export class RTCSctpTransport extends SafeEventTarget {
  /** @internal */ stateValue: RTCSctpTransportState = 'connecting';
  /** @internal */ maxMessageSizeValue = 65_536;
  declare onstatechange: ((event: Event) => unknown) | null;

  constructor(readonly transport: RTCDtlsTransport) {
    super();
  }

  get state(): RTCSctpTransportState {
    return this.stateValue;
  }
  /** The largest message `RTCDataChannel.send()` accepts (webrtc-pc §6.1.1). */
  get maxMessageSize(): number {
    return this.maxMessageSizeValue;
  }
  /** The number of data channels that can be open at once. */
  get maxChannels(): number | null {
    return this.stateValue === 'connected' ? 65_535 : null;
  }
}

defineEventHandler(RTCIceTransport.prototype, 'statechange');
defineEventHandler(RTCIceTransport.prototype, 'gatheringstatechange');
defineEventHandler(RTCIceTransport.prototype, 'selectedcandidatepairchange');
defineEventHandler(RTCDtlsTransport.prototype, 'statechange');
defineEventHandler(RTCDtlsTransport.prototype, 'error');
defineEventHandler(RTCSctpTransport.prototype, 'statechange');

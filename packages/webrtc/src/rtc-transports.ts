/**
 * W3C `RTCIceTransport` (webrtc-pc §5.6), `RTCDtlsTransport` (§5.5) and `RTCSctpTransport`
 * (§6.1): read-only views of the Manager's transports, updated by `RTCPeerConnection`.
 */
import type { CandidatePairDescription } from '@x/network';
import { defineEventHandler, SafeEventTarget } from './events.js';
import { RTCIceCandidate } from './rtc-ice-candidate.js';
import type { RTCDtlsTransportState, RTCIceTransportState } from './state/states.js';

/**
 * W3C `RTCIceCandidatePair` (webrtc-pc §5.6.2, an interface): the local and remote candidates
 * of the selected pair, the same objects each time (`[SameObject]`).
 */
export class RTCIceCandidatePair {
  readonly #local: RTCIceCandidate;
  readonly #remote: RTCIceCandidate;
  /** @internal Made by the ICE transport ("create an RTCIceCandidatePair"). */
  constructor(local: RTCIceCandidate, remote: RTCIceCandidate) {
    this.#local = local;
    this.#remote = remote;
  }
  /** The local candidate. */
  get local(): RTCIceCandidate {
    return this.#local;
  }
  /** The remote candidate. */
  get remote(): RTCIceCandidate {
    return this.#remote;
  }
}

/** W3C `RTCIceGatheringState`. */
export type RTCIceGatheringState = 'new' | 'gathering' | 'complete';

/** W3C `RTCIceTransport` (webrtc-pc §5.6). One object for the connection's life, ICE restarts included. */
export class RTCIceTransport extends SafeEventTarget {
  /** @internal */ stateValue: RTCIceTransportState = 'new';
  /** @internal */ gatheringValue: RTCIceGatheringState = 'new';
  /** @internal */ roleValue: 'controlling' | 'controlled' | 'unknown' = 'unknown';
  /** @internal The ICE parameters of the local and the remote description, null until set. */
  parameters: {
    local: () => { usernameFragment: string; password: string } | null;
    remote: () => { usernameFragment: string; password: string } | null;
  } = { local: () => null, remote: () => null };
  private pair: RTCIceCandidatePair | null = null;
  private readonly localCandidates = new Map<string, RTCIceCandidate>();
  private readonly remoteCandidates = new Map<string, RTCIceCandidate>();
  declare onstatechange: ((event: Event) => unknown) | null;
  declare ongatheringstatechange: ((event: Event) => unknown) | null;
  declare onselectedcandidatepairchange: ((event: Event) => unknown) | null;
  get state(): RTCIceTransportState {
    return this.stateValue;
  }
  get gatheringState(): RTCIceGatheringState {
    return this.gatheringValue;
  }
  /**
   * W3C `role`: `unknown` until the first offer/answer, then `controlling` for the offerer
   * (or facing an ice-lite offerer), `controlled` otherwise (RFC 8445 §6.1.1).
   */
  get role(): 'controlling' | 'controlled' | 'unknown' {
    return this.roleValue;
  }
  get component(): 'rtp' {
    return 'rtp';
  }
  /** W3C `getLocalCandidates()`: the local candidates announced by `icecandidate`, in order. */
  getLocalCandidates(): RTCIceCandidate[] {
    return [...this.localCandidates.values()];
  }
  /**
   * W3C `getRemoteCandidates()`: the remote candidates given to ICE (by `addIceCandidate()` or
   * in a remote description), in order; peer-reflexive ones are not among them.
   */
  getRemoteCandidates(): RTCIceCandidate[] {
    return [...this.remoteCandidates.values()];
  }
  /**
   * W3C `getSelectedCandidatePair()`: the pair packets are sent on; null while the state is
   * `new` or `closed`.
   */
  getSelectedCandidatePair(): RTCIceCandidatePair | null {
    return this.stateValue === 'new' || this.stateValue === 'closed' ? null : this.pair;
  }
  /** W3C `getLocalParameters()`: the ICE credentials of the local description, or null. */
  getLocalParameters(): { usernameFragment: string; password: string } | null {
    return this.parameters.local();
  }
  /** W3C `getRemoteParameters()`: the ICE credentials of the remote description, or null. */
  getRemoteParameters(): { usernameFragment: string; password: string } | null {
    return this.parameters.remote();
  }
  /**
   * @internal A local candidate was surfaced (webrtc-pc "surface a candidate"), for the media
   * section `sdpMid` at `sdpMLineIndex`.
   */
  addLocalCandidate(
    candidate: string,
    sdpMid: string,
    sdpMLineIndex: number,
    usernameFragment: string,
  ): void {
    if (this.localCandidates.has(candidate)) return;
    this.localCandidates.set(
      candidate,
      new RTCIceCandidate({ candidate, sdpMid, sdpMLineIndex, usernameFragment }),
    );
  }
  /** @internal A remote candidate of the section `sdpMid` at `sdpMLineIndex` went to ICE. */
  addRemoteCandidate(
    candidate: string,
    sdpMid: string,
    sdpMLineIndex: number,
    usernameFragment: string,
  ): void {
    if (this.remoteCandidates.has(candidate)) return;
    this.remoteCandidates.set(
      candidate,
      new RTCIceCandidate({ candidate, sdpMid, sdpMLineIndex, usernameFragment }),
    );
  }
  /**
   * @internal The selected pair changed: its candidates are the ones `getLocalCandidates()` and
   * `getRemoteCandidates()` hold when they are among them (a peer-reflexive one is not).
   */
  setSelectedPair(pair: CandidatePairDescription, mid: string, index: number): void {
    const find = (
      set: Map<string, RTCIceCandidate>,
      c: CandidatePairDescription['local'],
    ): RTCIceCandidate => {
      for (const known of set.values()) {
        if (known.address === c.address && known.port === c.port && known.protocol === c.protocol)
          return known;
      }
      return new RTCIceCandidate({ candidate: c.candidate, sdpMid: mid, sdpMLineIndex: index });
    };
    this.pair = new RTCIceCandidatePair(
      find(this.localCandidates, pair.local),
      find(this.remoteCandidates, pair.remote),
    );
  }
}

/** W3C `RTCDtlsTransport` (webrtc-pc §5.5). One object for the connection's life. */
export class RTCDtlsTransport extends SafeEventTarget {
  /** @internal */ stateValue: RTCDtlsTransportState = 'new';
  /** @internal webrtc-pc [[RemoteCertificates]]: set when the state becomes `connected`. */
  remoteCertificates: readonly Buffer[] = [];
  readonly #iceTransport: RTCIceTransport;
  declare onstatechange: ((event: Event) => unknown) | null;
  declare onerror: ((event: Event) => unknown) | null;
  /** @internal Created by `RTCPeerConnection`. */
  constructor(iceTransport: RTCIceTransport) {
    super();
    this.#iceTransport = iceTransport;
  }
  /** W3C `iceTransport`: the ICE transport DTLS runs over. */
  get iceTransport(): RTCIceTransport {
    return this.#iceTransport;
  }
  get state(): RTCDtlsTransportState {
    return this.stateValue;
  }
  /**
   * W3C `getRemoteCertificates()`: the peer's certificate chain as DER, a copy in a new
   * `ArrayBuffer` each; empty until the transport is first `connected`.
   */
  getRemoteCertificates(): ArrayBuffer[] {
    return this.remoteCertificates.map((der) => {
      const copy = new ArrayBuffer(der.byteLength);
      new Uint8Array(copy).set(der);
      return copy;
    });
  }
}

/** W3C `RTCSctpTransportState`. */
export type RTCSctpTransportState = 'connecting' | 'connected' | 'closed';

/** W3C `RTCSctpTransport` (webrtc-pc §6.1.1). */
export class RTCSctpTransport extends SafeEventTarget {
  /** @internal */ stateValue: RTCSctpTransportState = 'connecting';
  /** @internal webrtc-pc [[MaxMessageSize]]: null until an answer is applied. */
  maxMessageSizeValue: number | null = null;
  /** @internal webrtc-pc [[MaxChannels]]: null until the association is up. */
  maxChannelsValue: number | null = null;
  readonly #transport: RTCDtlsTransport;
  declare onstatechange: ((event: Event) => unknown) | null;
  /** @internal Created by `RTCPeerConnection`. */
  constructor(transport: RTCDtlsTransport) {
    super();
    this.#transport = transport;
  }
  /** W3C `transport`: the DTLS transport SCTP runs over. */
  get transport(): RTCDtlsTransport {
    return this.#transport;
  }
  get state(): RTCSctpTransportState {
    return this.stateValue;
  }
  /**
   * The largest message `RTCDataChannel.send()` accepts (webrtc-pc §6.1.1.2): null until an
   * answer (local or remote) is applied, then the peer's `a=max-message-size` of the last one
   * (65536 when missing, `Infinity` for 0), as this stack sends messages of any size.
   */
  get maxMessageSize(): number | null {
    return this.maxMessageSizeValue;
  }
  /** The number of data channels that can be open at once: null until `connected`. */
  get maxChannels(): number | null {
    return this.maxChannelsValue;
  }
  /**
   * @internal webrtc-pc "update the data max message size". `canSendSize` is 0: this stack
   * sends a message of any size (SCTP fragments it, RFC 8831 §6.6).
   */
  updateMaxMessageSize(remoteMaxMessageSize: number, canSendSize = 0): void {
    if (remoteMaxMessageSize === 0 && canSendSize === 0)
      this.maxMessageSizeValue = Number.POSITIVE_INFINITY;
    else if (remoteMaxMessageSize === 0 || canSendSize === 0)
      this.maxMessageSizeValue = Math.max(remoteMaxMessageSize, canSendSize);
    else this.maxMessageSizeValue = Math.min(remoteMaxMessageSize, canSendSize);
  }
}

/**
 * @internal webrtc-pc [[SctpTransport]] and [[LastStableStateSctpTransport]] of a peer
 * connection: set by an offer that describes an SCTP association (RFC 8841 §10.2), cleared by
 * an answer that closes it, restored by a rollback.
 */
export class SctpTransportSlot {
  current: RTCSctpTransport | null = null;
  private lastStable: RTCSctpTransport | null = null;
  constructor(private readonly transport: RTCSctpTransport) {}

  /** A description of `type` was applied, from signaling state `before`. */
  applied(type: 'offer' | 'answer' | 'pranswer', sdp: string, before: string): void {
    const sctp = describesSctp(sdp);
    if (type === 'offer' && before === 'stable') this.lastStable = this.current;
    if (type === 'offer' && sctp && this.current === null) this.current = this.transport;
    if (type === 'answer' && !sctp) this.current = null;
  }

  /** A rollback was applied. */
  rolledBack(): void {
    this.current = this.lastStable;
  }
}

/** @internal The ICE credentials (RFC 8839 §5.4) of a description, or null without one. */
export function iceParametersOf(
  description: { sdp: string } | null,
): { usernameFragment: string; password: string } | null {
  if (description === null) return null;
  const usernameFragment = /^a=ice-ufrag:(\S+)\r?$/m.exec(description.sdp)?.[1];
  const password = /^a=ice-pwd:(\S+)\r?$/m.exec(description.sdp)?.[1];
  return usernameFragment === undefined || password === undefined
    ? null
    : { usernameFragment, password };
}

/** A description with an m=application section of SCTP over DTLS that is not rejected (port 0). */
function describesSctp(sdp: string): boolean {
  return /^m=application [1-9]\d*(?:\/\d+)? [^\r\n]*SCTP/m.test(sdp);
}

defineEventHandler(RTCIceTransport.prototype, 'statechange');
defineEventHandler(RTCIceTransport.prototype, 'gatheringstatechange');
defineEventHandler(RTCIceTransport.prototype, 'selectedcandidatepairchange');
defineEventHandler(RTCDtlsTransport.prototype, 'statechange');
defineEventHandler(RTCDtlsTransport.prototype, 'error');
defineEventHandler(RTCSctpTransport.prototype, 'statechange');

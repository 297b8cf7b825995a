/**
 * W3C `RTCIceTransport` (webrtc-pc §5.6), `RTCDtlsTransport` (§5.5) and `RTCSctpTransport`
 * (§6.1): read-only views of the Manager's transports. Their slots are `#private`; the
 * modules of this package that own them write them through `iceTransportControl()`,
 * `dtlsTransportControl()` and `sctpTransportControl()`, which `index.ts` does not export.
 */
import type { CandidatePairDescription } from '@x/network';
import { defineEventHandler, SafeEventTarget } from './events.js';
import { RTCIceCandidate } from './rtc-ice-candidate.js';
import type { RTCStateChangeEvent } from './rtc-state-change-event.js';
import { CREATED, type RTCStateCause } from './state/causes.js';
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

/** The ICE credentials of a description (W3C `RTCIceParameters`). */
type IceParameters = { usernameFragment: string; password: string };

/**
 * @internal What the modules of this package write on an `RTCIceTransport`, whose members users
 * can only read (module-private: `index.ts` does not export it). One writer per slot, named on
 * each member; the architecture page lists them.
 */
export interface IceTransportControl {
  /**
   * `connection-states.ts`: [[IceTransportState]] and its cause, from the Manager's
   * `ice-state`, `closed` on close().
   */
  setState(transport: RTCIceTransport, state: RTCIceTransportState, cause: RTCStateCause): void;
  /** `local-gathering.ts`: [[IceGathererState]], with its events. */
  setGatheringState(transport: RTCIceTransport, state: RTCIceGatheringState): void;
  /** `negotiator.ts`: [[IceRole]], fixed by the first negotiation (RFC 8445 §6.1.1). */
  setRole(transport: RTCIceTransport, role: 'controlling' | 'controlled'): void;
  /**
   * `rtc-peer-connection.ts` (webrtc-pc "surface a candidate"): a local candidate of the media
   * section `sdpMid` at `sdpMLineIndex` joins `getLocalCandidates()`.
   */
  addLocalCandidate(
    transport: RTCIceTransport,
    candidate: string,
    sdpMid: string,
    sdpMLineIndex: number,
    usernameFragment: string,
  ): void;
  /**
   * `remote-candidate.ts` (`giveToIce`): a remote candidate of the section `sdpMid` at
   * `sdpMLineIndex` went to ICE and joins `getRemoteCandidates()`.
   */
  addRemoteCandidate(
    transport: RTCIceTransport,
    candidate: string,
    sdpMid: string,
    sdpMLineIndex: number,
    usernameFragment: string,
  ): void;
  /**
   * `connection-states.ts`: the selected pair changed. Its candidates are the ones
   * `getLocalCandidates()` and `getRemoteCandidates()` hold when they are among them (a
   * peer-reflexive one is not: it is made for the section `mid` at `index`).
   */
  setSelectedPair(
    transport: RTCIceTransport,
    pair: CandidatePairDescription,
    mid: string,
    index: number,
  ): void;
}

let iceControl: IceTransportControl | undefined;

/** W3C `RTCIceTransport` (webrtc-pc §5.6). One object for the connection's life, ICE restarts included. */
export class RTCIceTransport extends SafeEventTarget {
  #state: RTCIceTransportState = 'new';
  #cause: RTCStateCause = CREATED;
  #gatheringState: RTCIceGatheringState = 'new';
  #role: 'controlling' | 'controlled' | 'unknown' = 'unknown';
  /** The ICE parameters of the local and the remote description, null until set. */
  readonly #parameters: { local: () => IceParameters | null; remote: () => IceParameters | null };
  #pair: RTCIceCandidatePair | null = null;
  readonly #localCandidates = new Map<string, RTCIceCandidate>();
  readonly #remoteCandidates = new Map<string, RTCIceCandidate>();
  /** The `statechange` event handler (an {@link RTCStateChangeEvent}, with its cause). */
  declare onstatechange: ((event: RTCStateChangeEvent) => unknown) | null;
  declare ongatheringstatechange: ((event: Event) => unknown) | null;
  declare onselectedcandidatepairchange: ((event: Event) => unknown) | null;
  /**
   * @internal Created by `RTCPeerConnection`, which gives where `getLocalParameters()` and
   * `getRemoteParameters()` read from (its local and remote descriptions).
   */
  constructor(
    parameters: { local: () => IceParameters | null; remote: () => IceParameters | null } = {
      local: () => null,
      remote: () => null,
    },
  ) {
    super();
    this.#parameters = parameters;
  }
  get state(): RTCIceTransportState {
    return this.#state;
  }
  /**
   * Extension: why `state` last changed ({@link RTCStateCause}): a cause of layer `ice`,
   * `created`, or `closed-by-user` after the peer connection's `close()`.
   */
  get stateCause(): RTCStateCause {
    return this.#cause;
  }
  get gatheringState(): RTCIceGatheringState {
    return this.#gatheringState;
  }
  /**
   * W3C `role`: `unknown` until the first offer/answer, then `controlling` for the offerer
   * (or facing an ice-lite offerer), `controlled` otherwise (RFC 8445 §6.1.1).
   */
  get role(): 'controlling' | 'controlled' | 'unknown' {
    return this.#role;
  }
  get component(): 'rtp' {
    return 'rtp';
  }
  /** W3C `getLocalCandidates()`: the local candidates announced by `icecandidate`, in order. */
  getLocalCandidates(): RTCIceCandidate[] {
    return [...this.#localCandidates.values()];
  }
  /**
   * W3C `getRemoteCandidates()`: the remote candidates given to ICE (by `addIceCandidate()` or
   * in a remote description), in order; peer-reflexive ones are not among them.
   */
  getRemoteCandidates(): RTCIceCandidate[] {
    return [...this.#remoteCandidates.values()];
  }
  /**
   * W3C `getSelectedCandidatePair()`: the pair packets are sent on; null while the state is
   * `new` or `closed`.
   */
  getSelectedCandidatePair(): RTCIceCandidatePair | null {
    return this.#state === 'new' || this.#state === 'closed' ? null : this.#pair;
  }
  /** W3C `getLocalParameters()`: the ICE credentials of the local description, or null. */
  getLocalParameters(): { usernameFragment: string; password: string } | null {
    return this.#parameters.local();
  }
  /** W3C `getRemoteParameters()`: the ICE credentials of the remote description, or null. */
  getRemoteParameters(): { usernameFragment: string; password: string } | null {
    return this.#parameters.remote();
  }

  static {
    const add = (
      set: Map<string, RTCIceCandidate>,
      candidate: string,
      sdpMid: string,
      sdpMLineIndex: number,
      usernameFragment: string,
    ): void => {
      if (set.has(candidate)) return;
      set.set(
        candidate,
        new RTCIceCandidate({ candidate, sdpMid, sdpMLineIndex, usernameFragment }),
      );
    };
    iceControl = {
      setState: (t, state, cause) => {
        t.#state = state;
        t.#cause = cause;
      },
      setGatheringState: (t, state) => {
        t.#gatheringState = state;
      },
      setRole: (t, role) => {
        t.#role = role;
      },
      addLocalCandidate: (t, ...candidate) => add(t.#localCandidates, ...candidate),
      addRemoteCandidate: (t, ...candidate) => add(t.#remoteCandidates, ...candidate),
      setSelectedPair: (t, pair, mid, index) => {
        const find = (
          set: Map<string, RTCIceCandidate>,
          c: CandidatePairDescription['local'],
        ): RTCIceCandidate => {
          for (const known of set.values()) {
            if (
              known.address === c.address &&
              known.port === c.port &&
              known.protocol === c.protocol
            )
              return known;
          }
          return new RTCIceCandidate({ candidate: c.candidate, sdpMid: mid, sdpMLineIndex: index });
        };
        t.#pair = new RTCIceCandidatePair(
          find(t.#localCandidates, pair.local),
          find(t.#remoteCandidates, pair.remote),
        );
      },
    };
  }
}

/** @internal How this package writes `RTCIceTransport`s (see {@link IceTransportControl}). */
export function iceTransportControl(): IceTransportControl {
  return iceControl!;
}

/**
 * @internal What the modules of this package write on an `RTCDtlsTransport` (module-private).
 * One writer: `connection-states.ts`, from the Manager's `dtls-state` and on close().
 */
export interface DtlsTransportControl {
  /** [[DtlsTransportState]] and its cause. */
  setState(transport: RTCDtlsTransport, state: RTCDtlsTransportState, cause: RTCStateCause): void;
  /** webrtc-pc [[RemoteCertificates]]: set when the state becomes `connected`. */
  setRemoteCertificates(transport: RTCDtlsTransport, certificates: readonly Buffer[]): void;
}

let dtlsControl: DtlsTransportControl | undefined;

/** W3C `RTCDtlsTransport` (webrtc-pc §5.5). One object for the connection's life. */
export class RTCDtlsTransport extends SafeEventTarget {
  #state: RTCDtlsTransportState = 'new';
  #cause: RTCStateCause = CREATED;
  /** webrtc-pc [[RemoteCertificates]]: set when the state becomes `connected`. */
  #remoteCertificates: readonly Buffer[] = [];
  readonly #iceTransport: RTCIceTransport;
  /** The `statechange` event handler (an {@link RTCStateChangeEvent}, with its cause). */
  declare onstatechange: ((event: RTCStateChangeEvent) => unknown) | null;
  /** The `error` event handler (an `RTCErrorEvent`, whose `cause` is the DTLS cause). */
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
    return this.#state;
  }
  /**
   * Extension: why `state` last changed ({@link RTCStateCause}): a cause of layer `dtls`
   * (`fingerprint-mismatch`, `alert-received`, …), `created`, or `closed-by-user` after the
   * peer connection's `close()`.
   */
  get stateCause(): RTCStateCause {
    return this.#cause;
  }
  /**
   * W3C `getRemoteCertificates()`: the peer's certificate chain as DER, a copy in a new
   * `ArrayBuffer` each; empty until the transport is first `connected`.
   */
  getRemoteCertificates(): ArrayBuffer[] {
    return this.#remoteCertificates.map((der) => {
      const copy = new ArrayBuffer(der.byteLength);
      new Uint8Array(copy).set(der);
      return copy;
    });
  }

  static {
    dtlsControl = {
      setState: (t, state, cause) => {
        t.#state = state;
        t.#cause = cause;
      },
      setRemoteCertificates: (t, certificates) => {
        t.#remoteCertificates = certificates;
      },
    };
  }
}

/** @internal How this package writes `RTCDtlsTransport`s (see {@link DtlsTransportControl}). */
export function dtlsTransportControl(): DtlsTransportControl {
  return dtlsControl!;
}

/** W3C `RTCSctpTransportState`. */
export type RTCSctpTransportState = 'connecting' | 'connected' | 'closed';

/** @internal What the modules of this package write on an `RTCSctpTransport` (module-private). */
export interface SctpTransportControl {
  /**
   * `connection-states.ts`: [[SctpTransportState]] and its cause, from the Manager's
   * `sctp-state`, on close().
   */
  setState(transport: RTCSctpTransport, state: RTCSctpTransportState, cause: RTCStateCause): void;
  /** `connection-states.ts`: webrtc-pc [[MaxChannels]], once `connected`. */
  setMaxChannels(transport: RTCSctpTransport, channels: number | null): void;
  /**
   * `negotiator.ts`: webrtc-pc "update the data max message size" ([[MaxMessageSize]]) when an
   * answer is applied. `canSendSize` is 0: this stack sends a message of any size (SCTP
   * fragments it, RFC 8831 §6.6).
   */
  updateMaxMessageSize(
    transport: RTCSctpTransport,
    remoteMaxMessageSize: number,
    canSendSize?: number,
  ): void;
}

let sctpControl: SctpTransportControl | undefined;

/** W3C `RTCSctpTransport` (webrtc-pc §6.1.1). */
export class RTCSctpTransport extends SafeEventTarget {
  #state: RTCSctpTransportState = 'connecting';
  #cause: RTCStateCause = CREATED;
  /** webrtc-pc [[MaxMessageSize]]: null until an answer is applied. */
  #maxMessageSize: number | null = null;
  /** webrtc-pc [[MaxChannels]]: null until the association is up. */
  #maxChannels: number | null = null;
  readonly #transport: RTCDtlsTransport;
  /** The `statechange` event handler (an {@link RTCStateChangeEvent}, with its cause). */
  declare onstatechange: ((event: RTCStateChangeEvent) => unknown) | null;
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
    return this.#state;
  }
  /**
   * Extension: why `state` last changed ({@link RTCStateCause}): a cause of layer `sctp`
   * (`aborted-by-peer` with its cause codes, …), `created`, or `closed-by-user` after the peer
   * connection's `close()`.
   */
  get stateCause(): RTCStateCause {
    return this.#cause;
  }
  /**
   * The largest message `RTCDataChannel.send()` accepts (webrtc-pc §6.1.1.2): null until an
   * answer (local or remote) is applied, then the peer's `a=max-message-size` of the last one
   * (65536 when missing, `Infinity` for 0), as this stack sends messages of any size.
   */
  get maxMessageSize(): number | null {
    return this.#maxMessageSize;
  }
  /** The number of data channels that can be open at once: null until `connected`. */
  get maxChannels(): number | null {
    return this.#maxChannels;
  }

  static {
    sctpControl = {
      setState: (t, state, cause) => {
        t.#state = state;
        t.#cause = cause;
      },
      setMaxChannels: (t, channels) => {
        t.#maxChannels = channels;
      },
      updateMaxMessageSize: (t, remoteMaxMessageSize, canSendSize = 0) => {
        if (remoteMaxMessageSize === 0 && canSendSize === 0)
          t.#maxMessageSize = Number.POSITIVE_INFINITY;
        else if (remoteMaxMessageSize === 0 || canSendSize === 0)
          t.#maxMessageSize = Math.max(remoteMaxMessageSize, canSendSize);
        else t.#maxMessageSize = Math.min(remoteMaxMessageSize, canSendSize);
      },
    };
  }
}

/** @internal How this package writes `RTCSctpTransport`s (see {@link SctpTransportControl}). */
export function sctpTransportControl(): SctpTransportControl {
  return sctpControl!;
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

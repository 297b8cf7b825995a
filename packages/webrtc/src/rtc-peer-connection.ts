import { Manager, type ManagerEvent, NetworkError } from '@x/network';
import { systemClock } from '@x/transport';
import { ConnectionStates } from './connection-states.js';
import { DATA_MID as MID, JsepState } from './jsep-state.js';
import { defineEventHandler, SafeEventTarget } from './events.js';
import { type CertificateAlgorithm, newCertificate } from './generate-certificate.js';
import { LocalGathering } from './local-gathering.js';
import { type NegotiationHost, NegotiationNeededFlag } from './negotiation-needed.js';
import { checkConfiguration, dataChannelParameters, managerConfigOf } from './network-options.js';
import { RTCDataChannel } from './rtc-data-channel.js';
import { descriptionError } from './rtc-error.js';
import {
  type ConvertedCandidateInit,
  convertCandidateInit,
  isAdministrativelyProhibited,
  parseCandidateFields,
  type RTCIceCandidate,
  type RTCIceCandidateInit,
} from './rtc-ice-candidate.js';
import { collectStats, type RTCStats } from './rtc-stats.js';
import {
  type RTCCertificate,
  type RTCConfiguration,
  RTCDataChannelEvent,
  type RTCDataChannelInit,
  RTCPeerConnectionIceErrorEvent,
  type RTCPeerConnectionIceEvent,
  type RTCSdpType,
  RTCSessionDescription,
  type RTCSessionDescriptionInit,
  type RTCSignalingState,
  type RTCStateChangeEvent,
  sdpType,
  transition,
} from './rtc-types.js';
import {
  iceParametersOf,
  RTCDtlsTransport,
  type RTCIceGatheringState,
  RTCIceTransport,
  RTCSctpTransport,
  SctpTransportSlot,
} from './rtc-transports.js';
import { readDescription, type RemoteDescriptionInfo } from './sdp-adapter.js';
import {
  addCandidateLine,
  candidateSections,
  locateSection,
  ufragsOf,
} from './surface-candidate.js';
import {
  iceConnectionStateName,
  peerConnectionStateName,
  type RTCIceConnectionState,
  type RTCPeerConnectionState,
} from './state/states.js';

/** W3C `RTCPeerConnection` (data channels). */
export class RTCPeerConnection extends SafeEventTarget {
  private configuration: RTCConfiguration;
  private readonly manager: Manager;
  private readonly iceTransport = new RTCIceTransport();
  private readonly dtlsTransport = new RTCDtlsTransport(this.iceTransport);
  private readonly sctpTransportObject = new RTCSctpTransport(this.dtlsTransport);
  /** webrtc-pc [[SctpTransport]]: the SCTP transport once an offer describes SCTP. */
  private readonly sctpSlot = new SctpTransportSlot(this.sctpTransportObject);
  private readonly states = new ConnectionStates({
    target: this,
    iceTransport: this.iceTransport,
    dtlsTransport: this.dtlsTransport,
    sctpTransport: this.sctpTransportObject,
    mid: () => this.jsep.remoteInfo?.data?.mid ?? MID,
    remoteCertificate: () => this.manager.remoteCertificate,
    sctpStreams: () => this.manager.sctpStreams,
  });
  private closed = false;
  private chain: Promise<unknown> = Promise.resolve();
  /** Operations in the chain, waiting or running (webrtc-pc [[Operations]]). */
  private pendingOperations = 0;
  /** A data channel was created (webrtc-pc "check if negotiation is needed"). */
  private createdChannel = false;
  private readonly negotiation = new NegotiationNeededFlag(this.negotiationHost());
  /** The JSEP state: the four descriptions, the signaling state and what a rollback undoes. */
  private readonly jsep = new JsepState();
  private readonly gathering: LocalGathering;
  private started = false;
  /** The ufrag of the remote ICE generation whose candidates were handed to the Manager. */
  private startedRemoteUfrag: string | undefined;
  private readonly channels = new Set<RTCDataChannel>();
  /** `setLocalDescription()` was called (webrtc-pc: iceCandidatePoolSize is then fixed). */
  private localDescriptionSet = false;
  /** webrtc-stats `dataChannelsOpened` / `dataChannelsClosed`. */
  private dataChannelsOpened = 0;
  private dataChannelsClosed = 0;
  private readonly channelObserver = {
    opened: () => void this.dataChannelsOpened++,
    closed: () => void this.dataChannelsClosed++,
  };
  declare onicecandidate: ((event: RTCPeerConnectionIceEvent) => unknown) | null;
  declare onicecandidateerror: ((event: RTCPeerConnectionIceErrorEvent) => unknown) | null;
  declare onsignalingstatechange: ((event: Event) => unknown) | null;
  declare oniceconnectionstatechange: ((event: RTCStateChangeEvent) => unknown) | null;
  declare onicegatheringstatechange: ((event: Event) => unknown) | null;
  declare onconnectionstatechange: ((event: RTCStateChangeEvent) => unknown) | null;
  declare onnegotiationneeded: ((event: Event) => unknown) | null;
  declare ondatachannel: ((event: RTCDataChannelEvent) => unknown) | null;

  constructor(configuration: RTCConfiguration = {}) {
    super();
    const checked = checkConfiguration(configuration);
    this.configuration = checked.configuration;
    this.gathering = new LocalGathering(
      this,
      this.iceTransport,
      this.configuration.clock ?? systemClock,
      (candidate, mid, ufrag) => {
        this.jsep.surface(candidate, mid, ufrag);
        // webrtc-pc "surface a candidate": it joins the transport's set of local candidates.
        if (candidate !== null) this.iceTransport.addLocalCandidate(candidate, mid, ufrag);
      },
    );
    this.iceTransport.parameters = {
      local: () => iceParametersOf(this.jsep.local),
      remote: () => iceParametersOf(this.jsep.remote),
    };
    this.manager = new Manager(managerConfigOf(checked), (event) => this.onManagerEvent(event));
  }

  /**
   * W3C `RTCPeerConnection.generateCertificate()`: ECDSA with the P-256 curve, or
   * RSASSA-PKCS1-v1_5 with SHA-256 and the public exponent 65537 (moduli of 1024 to 8192
   * bits; the RSA key is made off the event loop). The algorithm is normalized as WebCrypto
   * does (TypeError for a missing member); others reject with NotSupportedError. `expires`
   * (ms, capped at 365 days; 0 gives a certificate that has already expired) must be a
   * non-negative number (TypeError).
   */
  static async generateCertificate(keygenAlgorithm: CertificateAlgorithm): Promise<RTCCertificate> {
    return newCertificate(keygenAlgorithm);
  }

  get signalingState(): RTCSignalingState {
    return this.jsep.signaling;
  }
  get iceConnectionState(): RTCIceConnectionState {
    return iceConnectionStateName(this.states.iceConnection);
  }
  get connectionState(): RTCPeerConnectionState {
    return peerConnectionStateName(this.states.connection);
  }
  /** Extension: why `iceConnectionState` last changed. */
  get iceConnectionStateCause(): string {
    return this.states.iceConnectionCause;
  }
  /** Extension: why `connectionState` last changed. */
  get connectionStateCause(): string {
    return this.states.connectionCause;
  }
  get iceGatheringState(): RTCIceGatheringState {
    return this.iceTransport.gatheringState;
  }
  /**
   * W3C `canTrickleIceCandidates`: null without a remote description, else whether it has
   * `a=ice-options:trickle` (RFC 8840 §4.1.1, JSEP §5.10).
   */
  get canTrickleIceCandidates(): boolean | null {
    const remote = this.jsep.remote;
    return remote === null ? null : /^a=ice-options:[^\r\n]*\btrickle\b/m.test(remote.sdp);
  }
  get localDescription(): RTCSessionDescription | null {
    return this.jsep.local;
  }
  get currentLocalDescription(): RTCSessionDescription | null {
    return this.jsep.currentLocal;
  }
  get pendingLocalDescription(): RTCSessionDescription | null {
    return this.jsep.pendingLocal;
  }
  get remoteDescription(): RTCSessionDescription | null {
    return this.jsep.remote;
  }
  get currentRemoteDescription(): RTCSessionDescription | null {
    return this.jsep.currentRemote;
  }
  get pendingRemoteDescription(): RTCSessionDescription | null {
    return this.jsep.pendingRemote;
  }
  /**
   * W3C `sctp`: the SCTP transport, from the offer (local or remote) that describes SCTP on;
   * null before, after a rollback of that offer, or after an answer that closes it.
   */
  get sctp(): RTCSctpTransport | null {
    return this.sctpSlot.current;
  }

  /** W3C `getConfiguration()`: the configuration in use, with its defaults filled in. */
  getConfiguration(): RTCConfiguration {
    const c = this.configuration;
    return {
      ...c,
      iceServers: (c.iceServers ?? []).map((s) => ({ ...s, urls: [...s.urls] })),
      ...(c.certificates ? { certificates: [...c.certificates] } : {}),
    };
  }

  /**
   * W3C `setConfiguration()`. Certificates, `bundlePolicy`, `rtcpMuxPolicy` and (once
   * `setLocalDescription()` was called) `iceCandidatePoolSize` cannot change
   * (InvalidModificationError), nor can the extensions of this stack (`net`, `clock`, `gather`,
   * `turnTls`, `mdns`, `consent`: left out, they keep their values). New `iceServers` and
   * `iceTransportPolicy` are used by the next gathering (JSEP §4.1.18): the first one, if
   * `setLocalDescription()` has not started it yet; this stack's ICE restart keeps its
   * candidates and TURN allocations. Throws as the constructor does for a bad configuration.
   */
  setConfiguration(configuration: RTCConfiguration): void {
    this.assertNotClosed();
    const checked = checkConfiguration(configuration, {
      configuration: this.configuration,
      localDescriptionSet: this.localDescriptionSet,
    });
    this.manager.setIceServers({
      iceServers: checked.iceServers,
      ...(checked.configuration.iceTransportPolicy
        ? { iceTransportPolicy: checked.configuration.iceTransportPolicy }
        : {}),
    });
    this.configuration = checked.configuration;
  }

  createOffer(): Promise<RTCSessionDescriptionInit> {
    return this.enqueue(async () => {
      this.assertNotClosed();
      if (this.jsep.signaling !== 'stable' && this.jsep.signaling !== 'have-local-offer') {
        throw new DOMException(
          `createOffer() in signaling state ${this.jsep.signaling}; answer the remote offer first`,
          'InvalidStateError',
        );
      }
      this.jsep.lastCreated.offer = this.writeLocal('offer');
      return { type: 'offer', sdp: this.jsep.lastCreated.offer };
    });
  }

  createAnswer(): Promise<RTCSessionDescriptionInit> {
    return this.enqueue(async () => {
      this.assertNotClosed();
      if (
        this.jsep.signaling !== 'have-remote-offer' &&
        this.jsep.signaling !== 'have-local-pranswer'
      ) {
        throw new DOMException(
          `createAnswer() in signaling state ${this.jsep.signaling}; set a remote offer first`,
          'InvalidStateError',
        );
      }
      this.jsep.lastCreated.answer = this.writeLocal('answer');
      return { type: 'answer', sdp: this.jsep.lastCreated.answer };
    });
  }

  setLocalDescription(description?: RTCSessionDescriptionInit): Promise<void> {
    this.localDescriptionSet = true;
    let given: RTCSdpType | undefined;
    try {
      // WebIDL: every member is optional here (the parameterless form), but a type is an enum.
      if (description?.type !== undefined) given = sdpType(description);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.enqueue(async () => {
      this.assertNotClosed();
      let type = given;
      if (type === undefined) {
        type =
          this.jsep.signaling === 'have-remote-offer' ||
          this.jsep.signaling === 'have-local-pranswer'
            ? 'answer'
            : 'offer';
      }
      if (type === 'rollback') return this.rollback();
      // webrtc-pc: a description given with its text must be the one createOffer() or
      // createAnswer() made last; changing it (SDP munging) is not supported.
      const last = type === 'offer' ? this.jsep.lastCreated.offer : this.jsep.lastCreated.answer;
      if (description?.sdp && description.sdp !== last) {
        throw new DOMException(
          `setLocalDescription(${type}) needs the description create${type === 'offer' ? 'Offer' : 'Answer'}() made last, unchanged`,
          'InvalidModificationError',
        );
      }
      const sdp = description?.sdp || this.writeLocal(type);
      const next = transition(this.jsep.signaling, 'local', type);
      if (next === undefined) {
        throw new DOMException(
          `setLocalDescription(${type}) in signaling state ${this.jsep.signaling}`,
          'InvalidStateError',
        );
      }
      const desc = new RTCSessionDescription({ type, sdp });
      const restart =
        type === 'offer' &&
        this.jsep.restartCredentials !== undefined &&
        sdp.includes(`a=ice-ufrag:${this.jsep.restartCredentials.ufrag}\r\n`)
          ? this.jsep.restartCredentials
          : undefined;
      if (type === 'offer') {
        this.jsep.pendingLocal = desc;
        // RFC 8445 §6.1.1 / JSEP §5.2.1: the first offerer is controlling. Later offers (from
        // either side, ICE restarts included) keep the roles (RFC 8445 §9).
        if (!this.started) this.manager.setRole(true);
      } else {
        this.jsep.currentLocal = desc;
        this.jsep.currentRemote = this.jsep.pendingRemote ?? this.jsep.currentRemote;
        this.jsep.pendingLocal = null;
        if (type === 'answer') this.jsep.pendingRemote = null;
        this.startTransports();
      }
      this.updateSctpTransport(type, sdp);
      this.setSignaling(next);
      if (restart) {
        this.jsep.restartRequested = false;
        this.jsep.restartCredentials = undefined;
        const { ufrag: oldUfrag, pwd: oldPwd } = this.manager.localParameters;
        this.jsep.undo = {
          remoteInfo: this.jsep.remoteInfo,
          credentials: { ufrag: oldUfrag, pwd: oldPwd },
        };
        this.restartLocalIce(restart);
      }
      if (type !== 'offer') this.jsep.undo = undefined;
      this.gathering.release();
      void this.gather();
    });
  }

  setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
    try {
      sdpType(description);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.enqueue(async () => {
      this.assertNotClosed();
      if (description.type === 'rollback') return this.rollback();
      // webrtc-pc: a remote offer in have-local-offer first rolls our offer back (glare, as
      // "perfect negotiation" relies on); the rollback stays if the offer then fails.
      if (description.type === 'offer' && this.jsep.signaling === 'have-local-offer')
        this.rollback();
      const next = transition(this.jsep.signaling, 'remote', description.type);
      if (next === undefined) {
        throw new DOMException(
          `setRemoteDescription(${description.type}) in signaling state ${this.jsep.signaling}`,
          'InvalidStateError',
        );
      }
      let info: RemoteDescriptionInfo;
      try {
        info = readDescription(description.sdp ?? '', description.type);
      } catch (error) {
        throw descriptionError(error);
      }
      const desc = new RTCSessionDescription({
        type: description.type,
        sdp: description.sdp ?? '',
      });
      // JSEP §5.10: new remote credentials mean the peer restarted ICE; an offer that does so
      // makes us restart too (new local credentials in our answer, JSEP §5.3.1).
      const restart =
        this.started &&
        this.jsep.remoteInfo?.data !== undefined &&
        info.data !== undefined &&
        info.data.ufrag !== this.jsep.remoteInfo.data.ufrag;
      if (description.type === 'offer') this.jsep.undo = { remoteInfo: this.jsep.remoteInfo };
      else this.jsep.undo = undefined;
      this.jsep.remoteInfo = info;
      if (info.data) this.jsep.wantData = true;
      if (description.type === 'offer') {
        this.jsep.pendingRemote = desc;
        if (!this.started) this.manager.setRole(false);
      } else {
        this.jsep.currentRemote = desc;
        this.jsep.currentLocal = this.jsep.pendingLocal ?? this.jsep.currentLocal;
        this.jsep.pendingRemote = null;
        if (description.type === 'answer') this.jsep.pendingLocal = null;
      }
      if (restart && description.type === 'offer') {
        const { ufrag: oldUfrag, pwd: oldPwd } = this.manager.localParameters;
        this.jsep.undo = {
          remoteInfo: this.jsep.undo?.remoteInfo,
          credentials: { ufrag: oldUfrag, pwd: oldPwd },
        };
        this.restartLocalIce();
      }
      if (info.data && (description.type !== 'offer' || restart)) this.startTransports();
      this.updateSctpTransport(description.type, desc.sdp);
      this.setSignaling(next);
    });
  }

  /**
   * W3C `addIceCandidate()` (webrtc-pc §4.4.2): hands a remote candidate to the ICE agent and
   * adds it to the remote description of its ICE generation. An empty `candidate` is
   * end-of-candidates for the section named, or for every section when neither `sdpMid` nor
   * `sdpMLineIndex` is given (so are no argument, `null` and `{}`). Rejects with `TypeError`
   * (a candidate without `sdpMid` and `sdpMLineIndex`), `InvalidStateError` (closed, or no
   * remote description) or `OperationError` (no such media section, a ufrag of no applied
   * remote description, a malformed candidate). Once `close()` is called, a pending call
   * settles neither way (webrtc-pc "chain an operation"). A candidate of an older ICE
   * generation, or an administratively prohibited one (a Fetch bad port; a name to resolve
   * under `iceTransportPolicy: 'relay'`), resolves but does not reach the agent.
   */
  addIceCandidate(candidate?: RTCIceCandidateInit | RTCIceCandidate | null): Promise<void> {
    let init: ConvertedCandidateInit;
    try {
      init = convertCandidateInit(candidate);
    } catch (error) {
      return Promise.reject(error);
    }
    // webrtc-pc step 3, before the operations chain (so even once closed).
    if (init.candidate !== '' && init.sdpMid === null && init.sdpMLineIndex === null) {
      return Promise.reject(
        new TypeError('addIceCandidate(): a candidate needs sdpMid or sdpMLineIndex'),
      );
    }
    const result = this.enqueue(async () => this.applyRemoteCandidate(init));
    if (this.closed) return result;
    // "chain an operation": once [[IsClosed]], the promise is neither resolved nor rejected.
    return new Promise<void>((resolve, reject) => {
      result.then(
        () => {
          if (!this.closed) resolve();
        },
        (error: unknown) => {
          if (!this.closed) reject(error);
        },
      );
    });
  }

  /** webrtc-pc `addIceCandidate()` steps 4.1–4.7, on the operations chain. */
  private applyRemoteCandidate(init: ConvertedCandidateInit): void {
    if (this.closed) return;
    const remote = this.remoteDescription;
    if (remote === null) {
      throw new DOMException(
        'addIceCandidate() before setRemoteDescription(): the candidate has no description to go to',
        'InvalidStateError',
      );
    }
    const sections = candidateSections(remote.sdp);
    const target = locateSection(sections, init.sdpMid, init.sdpMLineIndex);
    if (target === undefined) {
      throw new DOMException(
        init.sdpMid !== null
          ? `addIceCandidate(): the remote description has no media section of mid ${init.sdpMid}`
          : `addIceCandidate(): the remote description has no media section of index ${init.sdpMLineIndex}`,
        'OperationError',
      );
    }
    // A rejected section (its transceiver is stopped): resolved, nothing to do.
    if (target !== 'all' && target.rejected) return;
    const text = init.candidate.startsWith('a=') ? init.candidate.slice(2) : init.candidate;
    // Step 4.5: the usernameFragment (else the line's ufrag extension) must be one of the
    // section's in an applied remote description, the pending or the current one.
    const ufrag = init.usernameFragment ?? / ufrag (\S+)/.exec(text)?.[1] ?? null;
    const applied = [this.jsep.pendingRemote, this.jsep.currentRemote];
    const known = applied.some(
      (d) => d !== null && ufragsOf(candidateSections(d.sdp), target).includes(ufrag ?? ''),
    );
    if (ufrag !== null && !known) {
      throw new DOMException(
        `addIceCandidate(): no applied remote description has ufrag ${ufrag} for this section`,
        'OperationError',
      );
    }
    // Step 4.6 (JSEP §4.1.19): a candidate the agent cannot take is an OperationError.
    const fields = text === '' ? undefined : parseCandidateFields(text);
    if (text !== '' && fields === undefined) {
      throw new DOMException(
        `addIceCandidate(): malformed candidate ${JSON.stringify(init.candidate)} (RFC 8839 §5.1)`,
        'OperationError',
      );
    }
    // The ICE generation: the ufrag given, else the most recent (JSEP §3.5.2.1).
    const data = this.jsep.remoteInfo?.data;
    const generation =
      ufrag ??
      (target === 'all' ? (data?.ufrag ?? sections.find((s) => !s.rejected)?.ufrag) : target.ufrag);
    const toAgent =
      data !== undefined &&
      generation === data.ufrag &&
      (target === 'all' || target.index === data.index) &&
      !(fields && isAdministrativelyProhibited(fields, this.configuration.iceTransportPolicy));
    if (toAgent) {
      try {
        this.manager.addRemoteCandidate(text === '' ? null : text);
        if (text !== '') this.iceTransport.addRemoteCandidate(text, data.mid, data.ufrag);
      } catch (error) {
        if (NetworkError.isInstance(error)) throw new DOMException(error.message, 'OperationError');
        throw error;
      }
    }
    // Step 4.6.2: the candidate goes into the pending and the current remote description,
    // each if it is of the candidate's generation.
    const line = text === '' ? 'a=end-of-candidates' : `a=${text}`;
    const withCandidate = (d: RTCSessionDescription | null): RTCSessionDescription | null => {
      if (d === null) return d;
      const sdp = addCandidateLine(d.sdp, target, generation, line);
      return sdp === d.sdp ? d : new RTCSessionDescription({ type: d.type, sdp });
    };
    this.jsep.pendingRemote = withCandidate(this.jsep.pendingRemote);
    this.jsep.currentRemote = withCandidate(this.jsep.currentRemote);
  }

  /**
   * W3C `restartIce()`: the next offer carries new ICE credentials (JSEP §5.2.1); the
   * restart itself starts when that offer is applied by `setLocalDescription()`, and the
   * peer restarts too when it applies it (JSEP §5.10).
   * Meanwhile, and until the new check list selects a pair, data keeps flowing on the old
   * one: a restart from `connected`/`completed` leaves `connectionState` at `connected`.
   */
  restartIce(): void {
    if (this.closed) return;
    if (this.started) this.jsep.restartRequested = true;
    this.negotiation.update();
  }

  /**
   * W3C `createDataChannel()` (webrtc-pc §6.1): throws TypeError for arguments WebIDL cannot
   * convert or the steps refuse (a label or protocol over 65 535 UTF-8 bytes, both
   * `maxPacketLifeTime` and `maxRetransmits`, a negotiated channel without an id or with id
   * 65535), InvalidStateError once closed, OperationError for an id in use. The `id` of an
   * in-band channel is ignored: it is chosen by the DTLS role.
   */
  createDataChannel(label: string, init: RTCDataChannelInit = {}): RTCDataChannel {
    // biome-ignore lint/complexity/noArguments: WebIDL: a missing label is a TypeError.
    const parameters = dataChannelParameters(label, init, arguments.length, () =>
      this.assertNotClosed(),
    );
    let channel: RTCDataChannel;
    try {
      const inner = this.manager.createDataChannel(parameters);
      channel = new RTCDataChannel(
        inner,
        () => this.sctpTransportObject.maxMessageSize,
        this.channelObserver,
      );
    } catch (error) {
      if (NetworkError.isInstance(error)) throw new DOMException(error.message, 'OperationError');
      throw error;
    }
    this.channels.add(channel);
    this.jsep.wantData = true;
    if (!this.createdChannel) {
      // webrtc-pc: the first channel updates the negotiation-needed flag.
      this.createdChannel = true;
      this.negotiation.update();
    }
    return channel;
  }

  /**
   * W3C `getStats()` (webrtc-pc §8.2): `peer-connection`, `data-channel`, `transport`,
   * `sctp-transport`, `candidate-pair`, `local-candidate`, `remote-candidate` and `certificate`
   * entries, with the members webrtc-stats defines for them (see `rtc-stats.ts`). A
   * data-channel connection has no tracks: a selector other than null rejects with a TypeError.
   */
  async getStats(selector?: null): Promise<Map<string, RTCStats>> {
    // WebIDL `MediaStreamTrack? selector`: this stack has no tracks, so only null converts.
    if (selector !== undefined && selector !== null)
      throw new TypeError('getStats(selector): the selector must be a MediaStreamTrack or null');
    return collectStats({
      iceTransport: this.iceTransport,
      dtlsTransport: this.dtlsTransport,
      ice: this.manager.getIceStats(),
      sctp: this.manager.getSctpStats(),
      dtlsRole: this.manager.dtlsRole,
      cipherSuite: this.states.cipherSuite,
      localCertificate: this.manager.localCertificate.der,
      remoteCertificate: this.manager.remoteCertificate,
      localUfrag: this.manager.localParameters.ufrag,
      selectedPairChanges: this.states.selectedPairChanges,
      channels: this.channels,
      dataChannelsOpened: this.dataChannelsOpened,
      dataChannelsClosed: this.dataChannelsClosed,
      clockNow: (this.configuration.clock ?? systemClock).now(),
    });
  }

  /**
   * W3C `close()`: closes everything at once and fires no event. Extension: the returned
   * promise resolves once every socket and timer is released.
   */
  close(): Promise<void> {
    if (this.closed) return this.manager.close();
    this.closed = true;
    this.gathering.close();
    this.jsep.signaling = 'closed';
    this.states.close();
    for (const channel of this.channels) channel.silence();
    return this.manager.close();
  }

  // ------------------------------------------------------------------------------------

  private enqueue<T>(operation: () => Promise<T>): Promise<T> {
    if (this.closed)
      return Promise.reject(
        new DOMException('the RTCPeerConnection is closed', 'InvalidStateError'),
      );
    this.pendingOperations++;
    const result = this.chain.then(operation);
    this.chain = result
      .catch(() => {})
      .then(() => {
        if (--this.pendingOperations === 0) this.negotiation.chainEmptied();
      });
    return result;
  }

  /** What the negotiation-needed flag reads. */
  private negotiationHost(): NegotiationHost {
    const pc = this;
    return {
      get closed() {
        return pc.closed;
      },
      get pendingOperations() {
        return pc.pendingOperations;
      },
      get signalingState() {
        return pc.jsep.signaling;
      },
      // A channel and no data section negotiated yet, or an ICE restart no offer carried yet.
      negotiationNeeded: () =>
        (pc.createdChannel &&
          (pc.jsep.currentLocal === null ||
            pc.jsep.currentRemote === null ||
            pc.jsep.remoteInfo?.data === undefined)) ||
        pc.jsep.restartRequested,
      fire: () => pc.dispatchEvent(new Event('negotiationneeded')),
    };
  }

  private assertNotClosed(): void {
    if (this.closed) throw new DOMException('the RTCPeerConnection is closed', 'InvalidStateError');
  }

  private setSignaling(next: RTCSignalingState): void {
    if (next === this.jsep.signaling) return;
    this.jsep.signaling = next;
    this.dispatchEvent(new Event('signalingstatechange'));
    if (next === 'stable') this.negotiation.stable();
  }

  /**
   * webrtc-pc "set a session description": an offer describing SCTP sets [[SctpTransport]], an
   * answer closing it clears it, and an answer updates the data max message size.
   */
  private updateSctpTransport(type: 'offer' | 'answer' | 'pranswer', sdp: string): void {
    this.sctpSlot.applied(type, sdp, this.jsep.signaling);
    const data = this.jsep.remoteInfo?.data;
    if (type !== 'offer' && data && this.sctpSlot.current)
      this.sctpSlot.current.updateMaxMessageSize(data.maxMessageSize);
  }

  private rollback(): void {
    if (this.jsep.signaling !== 'have-local-offer' && this.jsep.signaling !== 'have-remote-offer') {
      throw new DOMException(
        `rollback in signaling state ${this.jsep.signaling}`,
        'InvalidStateError',
      );
    }
    this.jsep.pendingLocal = null;
    this.jsep.pendingRemote = null;
    const undo = this.jsep.undo;
    this.jsep.undo = undefined;
    if (undo && this.jsep.signaling === 'have-remote-offer') this.jsep.remoteInfo = undo.remoteInfo;
    if (undo?.credentials) {
      // The offer restarted ICE: go back to the generation both sides still hold, our old
      // credentials and the current remote description's, and check its candidates again.
      this.restartLocalIce(undo.credentials);
      this.startedRemoteUfrag = undefined;
      this.startTransports();
      this.gathering.release();
    }
    this.sctpSlot.rolledBack();
    this.setSignaling('stable');
  }

  private writeLocal(type: 'offer' | 'answer' | 'pranswer'): string {
    return this.jsep.write(
      type,
      this.manager.localParameters,
      this.manager.dtlsRole,
      this.gathering,
    );
  }

  private startTransports(): void {
    const data = this.jsep.remoteInfo?.data;
    if (!data) return;
    const weAreOfferer =
      this.jsep.currentRemote?.type === 'answer' || this.jsep.currentRemote?.type === 'pranswer';
    // RFC 8842 §5.1: `active` is the DTLS client. When the peer is active we are the server;
    // otherwise (it answered passive, or offered actpass and we answer active) the client.
    // Once DTLS runs its role stays (RFC 8842 §5.5), whatever a re-offer says.
    const dtlsRole = this.manager.dtlsRole ?? (data.setup === 'active' ? 'server' : 'client');
    // The first negotiation fixes the ICE roles; later ones keep them (RFC 8445 §9). Facing an
    // ice-lite offerer, we control (RFC 8445 §6.1.1; webrtc-pc [[IceRole]]).
    if (!this.started)
      this.iceTransport.roleValue = weAreOfferer || data.iceLite ? 'controlling' : 'controlled';
    this.manager.start({
      ufrag: data.ufrag,
      pwd: data.pwd,
      iceLite: data.iceLite,
      fingerprints: data.fingerprints,
      dtlsRole,
      maxMessageSize: data.maxMessageSize,
      sctpPort: data.sctpPort,
    });
    // The candidates of a description, once per ICE generation (first one, or a restart).
    // They reach the agent once the description is applied, so that the checks they start
    // (and `checking`) come after `signalingstatechange`, as when they trickle in.
    if (this.startedRemoteUfrag !== data.ufrag) {
      this.startedRemoteUfrag = data.ufrag;
      const ufrag = data.ufrag;
      queueMicrotask(() => {
        if (this.closed || this.startedRemoteUfrag !== ufrag) return;
        const policy = this.configuration.iceTransportPolicy;
        for (const candidate of data.candidates) {
          // As addIceCandidate() does: what the agent cannot take, or must not (a prohibited
          // port, a name under the relay policy), stays in the description only.
          const fields = parseCandidateFields(candidate);
          if (fields === undefined || isAdministrativelyProhibited(fields, policy)) continue;
          this.manager.addRemoteCandidate(candidate);
          this.iceTransport.addRemoteCandidate(candidate, data.mid, ufrag);
        }
        if (data.endOfCandidates) this.manager.addRemoteCandidate(null);
      });
    }
    this.started = true;
  }

  /**
   * Restarts our side of ICE (RFC 8445 §9): new credentials, gathering starts over (the
   * candidates are announced again under the new ufrag, then end-of-candidates), the check
   * list starts over; the old pair carries data until a new one is selected.
   */
  private restartLocalIce(credentials?: { ufrag: string; pwd: string }): void {
    this.gathering.restart();
    this.manager.restartIce(credentials);
  }

  private async gather(): Promise<void> {
    try {
      await this.manager.gather();
    } catch (error) {
      if (!this.closed) throw error;
    }
  }

  private onManagerEvent(event: ManagerEvent): void {
    if (this.closed || this.states.onEvent(event)) return;
    switch (event.kind) {
      case 'local-candidate':
        this.gathering.onCandidate(
          event.candidate,
          this.jsep.remoteInfo?.data?.mid ?? MID,
          this.manager.localParameters.ufrag,
        );
        return;
      case 'gathering-state':
        this.gathering.onState(event.state);
        return;
      case 'candidate-error': {
        const { url, errorCode, errorText, address, port } = event;
        this.dispatchEvent(
          new RTCPeerConnectionIceErrorEvent('icecandidateerror', {
            url,
            errorCode,
            errorText,
            address,
            port,
          }),
        );
        return;
      }
      case 'data-channel': {
        const channel = new RTCDataChannel(
          event.channel,
          () => this.sctpTransportObject.maxMessageSize,
          this.channelObserver,
        );
        this.channels.add(channel);
        this.dispatchEvent(new RTCDataChannelEvent('datachannel', { channel }));
        return;
      }
    }
  }
}

for (const type of [
  'icecandidate',
  'icecandidateerror',
  'signalingstatechange',
  'iceconnectionstatechange',
  'icegatheringstatechange',
  'connectionstatechange',
  'negotiationneeded',
  'datachannel',
]) {
  defineEventHandler(RTCPeerConnection.prototype, type);
}

import { type IncomingStream, Manager } from '@x/network';
import { debuglog } from 'node:util';
import { systemClock } from '@x/transport';
import { ConnectionStates } from './connection-states.js';
import { DATA_MID as MID, JsepState } from './jsep-state.js';
import { defineEventHandler, SafeEventTarget } from './events.js';
import { type CertificateAlgorithm, newCertificate } from './generate-certificate.js';
import { LocalGathering } from './local-gathering.js';
import { type NegotiationHost, NegotiationNeededFlag } from './negotiation-needed.js';
import { Negotiator } from './negotiator.js';
import { checkConfiguration, dataChannelParameters, managerConfigOf } from './network-options.js';
import type { RTCDataChannel } from './rtc-data-channel.js';
import { DataChannels } from './data-channels.js';
import { type ManagerEventRoutes, routeManagerEvent } from './manager-events.js';
import { answerOptions, type OfferOptions, offerOptions } from './offer-options.js';
import { OperationsChain } from './operations-chain.js';
import { PeerConfiguration } from './peer-configuration.js';
import { peerConnectionStats, rtpStatsOf, trackStats } from './peer-connection-stats.js';
import { applyRemoteCandidate } from './remote-candidate.js';
import { parsedDescription } from './parsed-description.js';
import {
  type ConvertedCandidateInit,
  convertCandidateInit,
  type RTCIceCandidate,
  type RTCIceCandidateInit,
} from './rtc-ice-candidate.js';
import type { RTCStats } from './rtc-stats.js';
import type { MediaStream } from './media-stream.js';
import { MediaSession } from './media-session.js';
import { MediaStreamTrack } from './media-stream-track.js';
import type { RTCRtpReceiver } from './rtc-rtp-receiver.js';
import type { RTCRtpSender } from './rtc-rtp-sender.js';
import type { RTCRtpTransceiver } from './rtc-rtp-transceiver.js';
import { RTCTrackEvent } from './rtc-track-event.js';
import type { RTCRtpTransceiverInit } from './rtp-parameters.js';
import type { RtpHost } from './rtp-state.js';
import type { RemoteTrackChanges } from './remote-tracks.js';
import { Transceivers } from './transceivers.js';
import {
  type RTCCertificate,
  type RTCConfiguration,
  type RTCAnswerOptions,
  type RTCDataChannelEvent,
  type RTCDataChannelInit,
  type RTCOfferOptions,
  type RTCPeerConnectionIceErrorEvent,
  type RTCPeerConnectionIceEvent,
  type RTCSdpType,
  type RTCSessionDescription,
  type RTCSessionDescriptionInit,
  type RTCSignalingState,
  sdpType,
} from './rtc-types.js';
import type { RTCStateChangeEvent } from './rtc-state-change-event.js';
import type { RTCStateCause } from './state/causes.js';
import {
  iceParametersOf,
  iceTransportControl,
  RTCDtlsTransport,
  type RTCIceGatheringState,
  RTCIceTransport,
  RTCSctpTransport,
  SctpTransportSlot,
} from './rtc-transports.js';
import {
  iceConnectionStateName,
  peerConnectionStateName,
  type RTCIceConnectionState,
  type RTCPeerConnectionState,
} from './state/states.js';

const log = debuglog('x:webrtc');

/** W3C `RTCPeerConnection`: data channels, and transceivers with their tracks (see the README). */
export class RTCPeerConnection extends SafeEventTarget {
  /** webrtc-pc [[Configuration]], and the candidate pool it may start. */
  private readonly configuration: PeerConfiguration;
  private readonly manager: Manager;
  private readonly iceTransport = new RTCIceTransport({
    local: () => iceParametersOf(this.jsep.local),
    remote: () => iceParametersOf(this.jsep.remote),
  });
  private readonly dtlsTransport = new RTCDtlsTransport(this.iceTransport);
  private readonly sctpTransportObject = new RTCSctpTransport(this.dtlsTransport);
  /** webrtc-pc [[SctpTransport]]: the SCTP transport once an offer describes SCTP. */
  private readonly sctpSlot = new SctpTransportSlot(this.sctpTransportObject);
  private readonly states = new ConnectionStates({
    target: this,
    iceTransport: this.iceTransport,
    dtlsTransport: this.dtlsTransport,
    sctpTransport: this.sctpTransportObject,
    section: () => this.transportSection(),
    remoteCertificates: () => this.manager.remoteCertificates,
    sctpStreams: () => this.manager.sctpStreams,
  });
  private closed = false;
  private releaseDone: () => void = () => {};
  private readonly releasedPromise = new Promise<void>((resolve) => {
    this.releaseDone = resolve;
  });
  /** webrtc-pc "chain an operation" and [[Operations]]. */
  private readonly operations = new OperationsChain(
    () => this.closed,
    () => this.negotiation.chainEmptied(),
  );
  /** A data channel was created (webrtc-pc "check if negotiation is needed"). */
  private createdChannel = false;
  private readonly negotiation = new NegotiationNeededFlag(this.negotiationHost());
  /** The JSEP state: the four descriptions, the signaling state and what a rollback undoes. */
  private readonly jsep = new JsepState();
  private readonly gathering: LocalGathering;
  /** Offer/answer: what descriptions start and change below (JSEP). */
  private readonly negotiator: Negotiator;
  private readonly channels = new DataChannels(this.sctpTransportObject);
  /** webrtc-pc's set of transceivers, and everything that writes their state. */
  private readonly transceivers = new Transceivers(this.rtpHost(), this.dtlsTransport);
  /** The streams, reports and timer behind the tracks (made with the Manager). */
  private readonly media: MediaSession;
  declare onicecandidate: ((event: RTCPeerConnectionIceEvent) => unknown) | null;
  declare onicecandidateerror: ((event: RTCPeerConnectionIceErrorEvent) => unknown) | null;
  declare onsignalingstatechange: ((event: Event) => unknown) | null;
  declare oniceconnectionstatechange: ((event: RTCStateChangeEvent) => unknown) | null;
  declare onicegatheringstatechange: ((event: Event) => unknown) | null;
  declare onconnectionstatechange: ((event: RTCStateChangeEvent) => unknown) | null;
  declare onnegotiationneeded: ((event: Event) => unknown) | null;
  declare ondatachannel: ((event: RTCDataChannelEvent) => unknown) | null;
  /** The `track` event handler (an {@link RTCTrackEvent} per remote track added). */
  declare ontrack: ((event: RTCTrackEvent) => unknown) | null;

  constructor(configuration: RTCConfiguration = {}) {
    super();
    const checked = checkConfiguration(configuration);
    const clock = checked.configuration.clock ?? systemClock;
    this.gathering = new LocalGathering(
      this,
      this.iceTransport,
      clock,
      () => this.transportSection(),
      (candidate, mid, index, ufrag) => {
        this.jsep.surface(candidate, mid, ufrag);
        // webrtc-pc "surface a candidate": it joins the transport's set of local candidates.
        if (candidate !== null)
          iceTransportControl().addLocalCandidate(this.iceTransport, candidate, mid, index, ufrag);
      },
    );
    const routes = this.managerEventRoutes();
    this.manager = new Manager(
      managerConfigOf(checked),
      (stream: IncomingStream) => (this.closed ? undefined : this.transceivers.sink(stream)),
      (event) => routeManagerEvent(routes, event),
    );
    const pc = this;
    this.configuration = new PeerConfiguration(checked.configuration, {
      manager: this.manager,
      gathering: this.gathering,
      get closed() {
        return pc.closed;
      },
    });
    this.media = new MediaSession({
      clock,
      ...(checked.configuration.random ? { random: checked.configuration.random } : {}),
      manager: this.manager,
      cname: this.transceivers.cname,
      // Our sections always carry a=rtcp-rsize: reduced size when the peer's do too.
      reducedSize: () =>
        this.jsep.remoteInfo?.rtp.every((r) => r.rejected || r.media.rtcpReducedSize) ?? false,
      senders: () => this.transceivers.entries.map((e) => e.state.sender),
      iceRttMs: () => this.manager.selectedPair?.rttMs,
    });
    this.negotiator = new Negotiator({
      jsep: this.jsep,
      manager: this.manager,
      gathering: this.gathering,
      iceTransport: this.iceTransport,
      sctpSlot: this.sctpSlot,
      get closed() {
        return pc.closed;
      },
      get iceTransportPolicy() {
        return pc.configuration.current.iceTransportPolicy;
      },
      setSignaling: (next) => this.setSignaling(next),
      transceivers: this.transceivers,
      runTrackChanges: (changes) => this.runTrackChanges(changes),
    });
    this.configuration.prefetchCandidates();
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
  /**
   * Extension: why `iceConnectionState` last changed ({@link RTCStateCause}): a cause of the
   * ICE transport, `created`, or `closed-by-user` after `close()`.
   */
  get iceConnectionStateCause(): RTCStateCause {
    return this.states.iceConnectionCause;
  }
  /**
   * Extension: why `connectionState` last changed ({@link RTCStateCause}): a cause of the ICE
   * or the DTLS transport, `created`, or `closed-by-user` after `close()`.
   */
  get connectionStateCause(): RTCStateCause {
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

  /**
   * W3C `getConfiguration()`: the configuration in use (webrtc-pc [[Configuration]]), every
   * member with a default present: `iceServers` (each `urls` a list), `iceTransportPolicy`,
   * `bundlePolicy`, `rtcpMuxPolicy`, `iceCandidatePoolSize`, and `certificates`, which is `[]`
   * when none were given (the one generated for this connection is not part of it).
   */
  getConfiguration(): RTCConfiguration {
    return this.configuration.copy();
  }

  /**
   * W3C `setConfiguration()`. Certificates, `bundlePolicy`, `rtcpMuxPolicy` and (once
   * `setLocalDescription()` was called) `iceCandidatePoolSize` cannot change
   * (InvalidModificationError), nor can the extensions of this stack (`net`, `clock`, `gather`,
   * `turnTls`, `mdns`, `consent`, `iceLite`, `udpMux`, `tcpMux`: left out, they keep their values). New `iceServers` and
   * `iceTransportPolicy` are used by the next gathering (JSEP §4.1.18): the first one, if
   * `setLocalDescription()` has not started it yet, else the one of the next ICE restart
   * (`restartIce()`), which gathers from the servers new since (refreshed TURN credentials
   * included). Throws as the constructor does for a bad configuration.
   */
  setConfiguration(configuration: RTCConfiguration = {}): void {
    this.assertNotClosed();
    this.configuration.set(configuration);
  }

  /**
   * W3C `createOffer()`: an offer for the current state (JSEP §5.2.1). With
   * `{ iceRestart: true }` (webrtc-pc `RTCOfferOptions`) it carries new ICE credentials, and
   * `setLocalDescription()` of it restarts ICE, as after `restartIce()`. The legacy
   * `offerToReceiveAudio`/`offerToReceiveVideo` (webrtc-pc §11) add a `recvonly` transceiver
   * of the kind when none receives it (true), or take `recv` off their directions (false).
   * Rejects with TypeError
   * for options that are not a dictionary, InvalidStateError once closed or while a remote
   * offer waits for its answer.
   */
  createOffer(options?: RTCOfferOptions): Promise<RTCSessionDescriptionInit> {
    let converted: OfferOptions;
    try {
      converted = offerOptions(options);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.operations.enqueue(async () => {
      this.assertNotClosed();
      if (this.jsep.signaling === 'stable' || this.jsep.signaling === 'have-local-offer')
        this.transceivers.offerToReceive(converted.legacy);
      return this.negotiator.createOffer(converted.iceRestart);
    });
  }

  /**
   * W3C `createAnswer()`: the answer to the remote offer (JSEP §5.3.1). `RTCAnswerOptions` has
   * no member; anything but a dictionary rejects with TypeError.
   */
  createAnswer(options?: RTCAnswerOptions): Promise<RTCSessionDescriptionInit> {
    try {
      answerOptions(options);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.operations.enqueue(async () => {
      this.assertNotClosed();
      return this.negotiator.createAnswer();
    });
  }

  setLocalDescription(description?: RTCSessionDescriptionInit): Promise<void> {
    this.configuration.localDescriptionSet = true;
    let given: RTCSdpType | undefined;
    try {
      // WebIDL: every member is optional here (the parameterless form), but a type is an enum.
      if (description?.type !== undefined) given = sdpType(description);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.operations.enqueue(async () => {
      this.assertNotClosed();
      this.negotiator.setLocal(description, given);
    });
  }

  setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
    try {
      sdpType(description);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.operations.enqueue(async () => {
      this.assertNotClosed();
      this.negotiator.setRemote(description);
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
    return this.operations.enqueue(async () => {
      if (this.closed) return;
      applyRemoteCandidate(
        {
          jsep: this.jsep,
          manager: this.manager,
          iceTransport: this.iceTransport,
          iceTransportPolicy: this.configuration.current.iceTransportPolicy,
        },
        init,
      );
    });
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
    if (this.negotiator.started) this.jsep.restartRequested = true;
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
    const channel = this.channels.create(() => this.manager.createDataChannel(parameters));
    this.jsep.wantData = true;
    if (!this.createdChannel) {
      // webrtc-pc: the first channel updates the negotiation-needed flag.
      this.createdChannel = true;
      this.negotiation.update();
    }
    return channel;
  }

  /**
   * W3C `addTrack()` (webrtc-pc §5.1): sends `track` in `streams` (their ids go in
   * `a=msid`). Reuses a transceiver that never sent, has no track and is of the track's kind
   * (a remote offer's, or one whose track was removed before it sent); else adds a `sendrecv`
   * one. InvalidStateError once closed, InvalidAccessError if the track already has a sender.
   * Negotiation is needed.
   */
  addTrack(track: MediaStreamTrack, ...streams: MediaStream[]): RTCRtpSender {
    if (!(track instanceof MediaStreamTrack))
      throw new TypeError('addTrack(): the first argument must be a MediaStreamTrack');
    this.assertNotClosed();
    const sender = this.transceivers.addTrack(track, streams);
    this.negotiation.update();
    return sender;
  }

  /**
   * W3C `removeTrack()` (webrtc-pc §5.1): the sender stops sending its track (the
   * transceiver's direction loses `send`) and negotiation is needed. InvalidStateError once
   * closed, InvalidAccessError for a sender of another connection.
   */
  removeTrack(sender: RTCRtpSender): void {
    this.assertNotClosed();
    if (this.transceivers.removeTrack(sender)) this.negotiation.update();
  }

  /**
   * W3C `addTransceiver()` (webrtc-pc §5.1): a transceiver of `trackOrKind` (a track, or
   * `'audio'`/`'video'`: else TypeError) with `init.direction` (default `sendrecv`),
   * `init.streams` and `init.sendEncodings` (each with a rid of RFC 8851's grammar, all or
   * none, distinct: else TypeError; `scaleResolutionDownBy` ≥ 1 and `maxFramerate` ≥ 0: else
   * RangeError). InvalidStateError once closed. Negotiation is needed.
   */
  addTransceiver(
    trackOrKind: MediaStreamTrack | 'audio' | 'video',
    init?: RTCRtpTransceiverInit,
  ): RTCRtpTransceiver {
    if (!(trackOrKind instanceof MediaStreamTrack)) {
      const kind = String(trackOrKind);
      if (kind !== 'audio' && kind !== 'video')
        throw new TypeError(`addTransceiver(): kind must be "audio" or "video", not "${kind}"`);
    }
    this.assertNotClosed();
    const transceiver = this.transceivers.addTransceiver(trackOrKind, init ?? {});
    this.negotiation.update();
    return transceiver;
  }

  /** W3C `getTransceivers()`: in the order they were made (stopped ones leave after a negotiation). */
  getTransceivers(): RTCRtpTransceiver[] {
    return this.transceivers.transceivers();
  }

  /** W3C `getSenders()`: the senders of the transceivers not stopped. */
  getSenders(): RTCRtpSender[] {
    return this.transceivers.senders();
  }

  /** W3C `getReceivers()`: the receivers of the transceivers not stopped. */
  getReceivers(): RTCRtpReceiver[] {
    return this.transceivers.receivers();
  }

  /**
   * W3C `getStats()` (webrtc-pc §8.2): `peer-connection`, `data-channel`, `transport`,
   * `sctp-transport`, `candidate-pair`, `local-candidate`, `remote-candidate`, `certificate`,
   * and `inbound-rtp`/`outbound-rtp` for the negotiated RTP streams, with the members
   * webrtc-stats defines for them (see `rtc-stats.ts`). With a track as `selector`, the
   * entries of the one sender or receiver of that track (InvalidAccessError if none or
   * several have it); anything else but null is a TypeError.
   */
  async getStats(selector?: MediaStreamTrack | null): Promise<Map<string, RTCStats>> {
    if (selector !== undefined && selector !== null && !(selector instanceof MediaStreamTrack))
      throw new TypeError('getStats(selector): the selector must be a MediaStreamTrack or null');
    if (selector instanceof MediaStreamTrack)
      return trackStats(selector, this.getSenders(), this.getReceivers());
    return peerConnectionStats({
      iceTransport: this.iceTransport,
      dtlsTransport: this.dtlsTransport,
      manager: this.manager,
      states: this.states,
      channels: this.channels,
      clock: this.configuration.clock,
      media: this.media,
      transceivers: this.transceivers,
    });
  }

  /**
   * W3C `close()`: closes everything at once, fires no event and returns `undefined`, as
   * webrtc-pc says. What it promises the peer leaves first: the SCTP ABORT (User-Initiated
   * Abort) and the DTLS close_notify are sent before any socket closes. Await
   * {@link RTCPeerConnection.released} to know when every socket and timer is gone.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.gathering.close();
    this.jsep.signaling = 'closed';
    this.states.close();
    // RTCP BYE for our streams before the Manager closes the sockets (RFC 3550 §6.6).
    this.media.close();
    this.transceivers.close();
    this.channels.silence();
    this.manager.close().then(this.releaseDone, (error: unknown) => {
      log('close: %s', error);
      this.releaseDone();
    });
  }

  /**
   * Extension: resolves once `close()` has released every socket and timer of this
   * connection (what was promised to the peer is on the wire by then). Never rejects; stays
   * pending until `close()` is called.
   *
   * @example
   * ```ts
   * pc.close();
   * await pc.released; // the process can exit, or a test can check for leaks
   * ```
   */
  get released(): Promise<void> {
    return this.releasedPromise;
  }

  // ------------------------------------------------------------------------------------

  /** What the negotiation-needed flag reads. */
  private negotiationHost(): NegotiationHost {
    const pc = this;
    return {
      get closed() {
        return pc.closed;
      },
      get pendingOperations() {
        return pc.operations.pending;
      },
      get signalingState() {
        return pc.jsep.signaling;
      },
      // webrtc-pc "check if negotiation is needed": an ICE restart no offer carried yet, a
      // channel and no data section negotiated yet, or a transceiver the current
      // descriptions do not describe as it is (see Transceivers.negotiationNeeded).
      negotiationNeeded: () =>
        pc.jsep.restartRequested ||
        (pc.createdChannel &&
          (pc.jsep.currentLocal === null ||
            pc.jsep.currentRemote === null ||
            pc.jsep.remoteInfo?.data === undefined)) ||
        pc.transceivers.negotiationNeeded(
          pc.jsep.currentLocal === null
            ? undefined
            : { type: pc.jsep.currentLocal.type, parsed: parsedDescription(pc.jsep.currentLocal) },
          pc.jsep.currentRemote === null ? undefined : parsedDescription(pc.jsep.currentRemote),
        ),
      fire: () => pc.dispatchEvent(new Event('negotiationneeded')),
    };
  }

  /** What the RTP objects ask of this connection. */
  private rtpHost(): RtpHost {
    const pc = this;
    return {
      get closed() {
        return pc.closed;
      },
      enqueue: (operation) => this.operations.enqueue(operation),
      updateNegotiationNeeded: () => this.negotiation.update(),
      now: () => this.configuration.clock.now(),
      get clock() {
        return pc.configuration.clock;
      },
      get connectionState() {
        return pc.connectionState;
      },
      forgetIncomingStream: (ssrc) => {
        if (!this.closed) this.manager.removeIncomingStream(ssrc);
      },
      stats: async (of) => rtpStatsOf(this.dtlsTransport, of),
      get media() {
        return pc.media;
      },
    };
  }

  /**
   * The end of "set the session description" for remote tracks (webrtc-pc §4.4.1.5): mute,
   * remove from and add to streams (with their events), then one `track` event per track
   * added; none once a listener closed the connection.
   */
  private runTrackChanges(changes: RemoteTrackChanges): void {
    // A listener may close the connection (even from signalingstatechange): nothing follows.
    if (this.closed) return;
    Transceivers.run(
      changes,
      (entry, streams) =>
        this.dispatchEvent(
          new RTCTrackEvent('track', {
            receiver: entry.receiver,
            track: entry.receiver.track,
            streams,
            transceiver: entry.transceiver,
          }),
        ),
      () => this.closed,
    );
  }

  /**
   * The `sdpMid` and `sdpMLineIndex` of our candidates and of the selected pair's: the section
   * that carries the transport in the description being negotiated (the BUNDLE tag, which audio
   * and video sections may precede), or the data section's mid of a first offer before any
   * description (no candidate is announced then: they wait for `setLocalDescription()`).
   */
  private transportSection(): readonly [mid: string, index: number] {
    return this.jsep.transportSection() ?? [MID, 0];
  }

  private assertNotClosed(): void {
    if (this.closed) throw new DOMException('the RTCPeerConnection is closed', 'InvalidStateError');
  }

  /** What the Manager's notifications reach (`manager-events.ts`). */
  private managerEventRoutes(): ManagerEventRoutes {
    const pc = this;
    return {
      target: this,
      get closed() {
        return pc.closed;
      },
      states: this.states,
      gathering: this.gathering,
      get manager() {
        return pc.manager;
      },
      channels: this.channels,
    };
  }

  private setSignaling(next: RTCSignalingState): void {
    if (next === this.jsep.signaling) return;
    this.jsep.signaling = next;
    this.dispatchEvent(new Event('signalingstatechange'));
    if (next === 'stable') this.negotiation.stable();
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
  'track',
]) {
  defineEventHandler(RTCPeerConnection.prototype, type);
}

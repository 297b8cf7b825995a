/**
 * W3C `RTCPeerConnection` (webrtc-pc §4) for data channels, over the Manager of `@x/network`.
 *
 * States are derived, never set: `iceConnectionState` and `connectionState` come from the
 * transports' states through the pure functions of `state/derive.ts`; events fire in the
 * order webrtc-pc gives (`selectedcandidatepairchange`, transport `statechange`,
 * `iceconnectionstatechange`, `connectionstatechange`) and `close()` fires none. As an
 * extension, `iceConnectionStateCause` and `connectionStateCause` tell why the last change
 * happened (e.g. "consent expired on 10.0.0.2:5000 <-> ..."), and the events carry it too.
 */
import { randomBytes } from 'node:crypto';
import { generateCertificate, Manager, type ManagerEvent, NetworkError } from '@x/network';
import { systemClock } from '@x/transport';
import { ConnectionStates } from './connection-states.js';
import { defineEventHandler, SafeEventTarget } from './events.js';
import { LocalGathering } from './local-gathering.js';
import { surfaceLine } from './surface-candidate.js';
import { checkConfiguration, dataChannelParameters, managerConfigOf } from './network-options.js';
import { RTCDataChannel } from './rtc-data-channel.js';
import type { RTCIceCandidate, RTCIceCandidateInit } from './rtc-ice-candidate.js';
import { collectStats, type RTCStats } from './rtc-stats.js';
import {
  RTCCertificate,
  type RTCConfiguration,
  RTCDataChannelEvent,
  type RTCDataChannelInit,
  RTCPeerConnectionIceErrorEvent,
  type RTCPeerConnectionIceEvent,
  RTCSessionDescription,
  type RTCSessionDescriptionInit,
  type RTCSignalingState,
  type RTCStateChangeEvent,
  transition,
} from './rtc-types.js';
import {
  RTCDtlsTransport,
  type RTCIceGatheringState,
  RTCIceTransport,
  RTCSctpTransport,
} from './rtc-transports.js';
import { readDescription, type RemoteDescriptionInfo, writeDescription } from './sdp-adapter.js';
import {
  iceConnectionStateName,
  peerConnectionStateName,
  type RTCIceConnectionState,
  type RTCPeerConnectionState,
} from './state/states.js';

const MID = '0';

/** W3C `RTCPeerConnection` (data channels). */
export class RTCPeerConnection extends SafeEventTarget {
  private readonly configuration: RTCConfiguration;
  private readonly manager: Manager;
  private readonly iceTransport = new RTCIceTransport();
  private readonly dtlsTransport = new RTCDtlsTransport(this.iceTransport);
  private readonly sctpTransportObject = new RTCSctpTransport(this.dtlsTransport);
  private signaling: RTCSignalingState = 'stable';
  private readonly states = new ConnectionStates({
    target: this,
    iceTransport: this.iceTransport,
    dtlsTransport: this.dtlsTransport,
    sctpTransport: this.sctpTransportObject,
    mid: () => this.remoteInfo?.data?.mid ?? MID,
    remoteCertificate: () => this.manager.remoteCertificate,
  });
  private closed = false;
  private chain: Promise<unknown> = Promise.resolve();
  private localDescriptionValue: RTCSessionDescription | null = null;
  private remoteDescriptionValue: RTCSessionDescription | null = null;
  private pendingLocal: RTCSessionDescription | null = null;
  private pendingRemote: RTCSessionDescription | null = null;
  private remoteInfo: RemoteDescriptionInfo | undefined;
  private readonly gathering: LocalGathering;
  private readonly sessionId = BigInt(`0x${randomBytes(7).toString('hex')}`).toString();
  private sessionVersion = 0;
  /** True once a data m-line was negotiated or a channel asked for one. */
  private wantData = false;
  private started = false;
  /** The ufrag of the remote ICE generation whose candidates were handed to the Manager. */
  private startedRemoteUfrag: string | undefined;
  /**
   * `restartIce()` was called (webrtc-pc [[LocalIceCredentialsToReplace]]): the next offer
   * carries new credentials, created once and applied by setLocalDescription(offer).
   */
  private restartRequested = false;
  private restartCredentials: { ufrag: string; pwd: string } | undefined;
  /**
   * What a rollback restores (JSEP §4.1.10.2: it discards the pending offer's changes): the
   * remote description's parameters before a remote offer, and our ICE credentials before an
   * offer (ours or the peer's) restarted ICE.
   */
  private undo:
    | {
        remoteInfo: RemoteDescriptionInfo | undefined;
        credentials?: { ufrag: string; pwd: string };
      }
    | undefined;
  private readonly channels = new Set<RTCDataChannel>();
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
    checkConfiguration(configuration);
    this.configuration = { ...configuration };
    this.gathering = new LocalGathering(
      this,
      this.iceTransport,
      configuration.clock ?? systemClock,
      (candidate, mid, ufrag) => this.surfaceCandidate(candidate, mid, ufrag),
    );
    this.manager = new Manager(managerConfigOf(configuration), (event) =>
      this.onManagerEvent(event),
    );
  }

  /** W3C `RTCPeerConnection.generateCertificate()` (ECDSA P-256; RSA is not offered). */
  static async generateCertificate(
    keygenAlgorithm: string | { name: string; namedCurve?: string; expires?: number },
  ): Promise<RTCCertificate> {
    const algorithm =
      typeof keygenAlgorithm === 'string' ? { name: keygenAlgorithm } : keygenAlgorithm;
    if (
      algorithm.name !== 'ECDSA' ||
      (algorithm.namedCurve !== undefined && algorithm.namedCurve !== 'P-256')
    ) {
      throw new DOMException(
        `unsupported certificate algorithm ${JSON.stringify(keygenAlgorithm)}; use { name: 'ECDSA', namedCurve: 'P-256' }`,
        'NotSupportedError',
      );
    }
    return new RTCCertificate(
      generateCertificate(
        algorithm.expires !== undefined ? { expiresInMs: algorithm.expires } : {},
      ),
    );
  }

  get signalingState(): RTCSignalingState {
    return this.signaling;
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
  get canTrickleIceCandidates(): boolean | null {
    return this.remoteInfo === undefined ? null : true;
  }
  get localDescription(): RTCSessionDescription | null {
    return this.pendingLocal ?? this.localDescriptionValue;
  }
  get currentLocalDescription(): RTCSessionDescription | null {
    return this.localDescriptionValue;
  }
  get pendingLocalDescription(): RTCSessionDescription | null {
    return this.pendingLocal;
  }
  get remoteDescription(): RTCSessionDescription | null {
    return this.pendingRemote ?? this.remoteDescriptionValue;
  }
  get currentRemoteDescription(): RTCSessionDescription | null {
    return this.remoteDescriptionValue;
  }
  get pendingRemoteDescription(): RTCSessionDescription | null {
    return this.pendingRemote;
  }
  /** W3C `sctp`: the SCTP transport once a data m-line is negotiated. */
  get sctp(): RTCSctpTransport | null {
    return this.remoteInfo?.data ? this.sctpTransportObject : null;
  }

  getConfiguration(): RTCConfiguration {
    return { ...this.configuration };
  }

  /** W3C `setConfiguration()`: certificates cannot change (InvalidModificationError). */
  setConfiguration(configuration: RTCConfiguration): void {
    this.assertNotClosed();
    if (
      configuration.certificates !== undefined &&
      configuration.certificates !== this.configuration.certificates
    ) {
      throw new DOMException('certificates cannot be changed', 'InvalidModificationError');
    }
    Object.assign(this.configuration, configuration);
  }

  createOffer(): Promise<RTCSessionDescriptionInit> {
    return this.enqueue(async () => {
      this.assertNotClosed();
      return { type: 'offer', sdp: this.writeLocal('offer') };
    });
  }

  createAnswer(): Promise<RTCSessionDescriptionInit> {
    return this.enqueue(async () => {
      this.assertNotClosed();
      if (this.signaling !== 'have-remote-offer' && this.signaling !== 'have-local-pranswer') {
        throw new DOMException(
          `createAnswer() in signaling state ${this.signaling}; set a remote offer first`,
          'InvalidStateError',
        );
      }
      return { type: 'answer', sdp: this.writeLocal('answer') };
    });
  }

  setLocalDescription(description?: RTCSessionDescriptionInit): Promise<void> {
    return this.enqueue(async () => {
      this.assertNotClosed();
      let type = description?.type;
      if (type === undefined) {
        type =
          this.signaling === 'have-remote-offer' || this.signaling === 'have-local-pranswer'
            ? 'answer'
            : 'offer';
      }
      if (type === 'rollback') return this.rollback();
      const sdp = description?.sdp || this.writeLocal(type);
      const next = transition(this.signaling, 'local', type);
      if (next === undefined) {
        throw new DOMException(
          `setLocalDescription(${type}) in signaling state ${this.signaling}`,
          'InvalidStateError',
        );
      }
      const desc = new RTCSessionDescription({ type, sdp });
      const restart =
        type === 'offer' &&
        this.restartCredentials !== undefined &&
        sdp.includes(`a=ice-ufrag:${this.restartCredentials.ufrag}\r\n`)
          ? this.restartCredentials
          : undefined;
      if (type === 'offer') {
        this.pendingLocal = desc;
        // RFC 8445 §6.1.1 / JSEP §5.2.1: the first offerer is controlling. Later offers (from
        // either side, ICE restarts included) keep the roles (RFC 8445 §9).
        if (!this.started) this.manager.setRole(true);
      } else {
        this.localDescriptionValue = desc;
        this.remoteDescriptionValue = this.pendingRemote ?? this.remoteDescriptionValue;
        this.pendingLocal = null;
        if (type === 'answer') this.pendingRemote = null;
        this.startTransports();
      }
      this.setSignaling(next);
      if (restart) {
        this.restartRequested = false;
        this.restartCredentials = undefined;
        const { ufrag: oldUfrag, pwd: oldPwd } = this.manager.localParameters;
        this.undo = { remoteInfo: this.remoteInfo, credentials: { ufrag: oldUfrag, pwd: oldPwd } };
        this.restartLocalIce(restart);
      }
      if (type !== 'offer') this.undo = undefined;
      this.gathering.release();
      void this.gather();
    });
  }

  setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
    return this.enqueue(async () => {
      this.assertNotClosed();
      if (!description || typeof description.type !== 'string')
        throw new TypeError('setRemoteDescription needs { type, sdp }');
      if (description.type === 'rollback') return this.rollback();
      const next = transition(this.signaling, 'remote', description.type);
      if (next === undefined) {
        throw new DOMException(
          `setRemoteDescription(${description.type}) in signaling state ${this.signaling}`,
          'InvalidStateError',
        );
      }
      let info: RemoteDescriptionInfo;
      try {
        info = readDescription(description.sdp ?? '', description.type);
      } catch (error) {
        throw new DOMException(
          `invalid remote description: ${(error as Error).message}`,
          'InvalidAccessError',
        );
      }
      const desc = new RTCSessionDescription({
        type: description.type,
        sdp: description.sdp ?? '',
      });
      // JSEP §5.10: new remote credentials mean the peer restarted ICE; an offer that does so
      // makes us restart too (new local credentials in our answer, JSEP §5.3.1).
      const restart =
        this.started &&
        this.remoteInfo?.data !== undefined &&
        info.data !== undefined &&
        info.data.ufrag !== this.remoteInfo.data.ufrag;
      if (description.type === 'offer') this.undo = { remoteInfo: this.remoteInfo };
      else this.undo = undefined;
      this.remoteInfo = info;
      if (info.data) this.wantData = true;
      if (description.type === 'offer') {
        this.pendingRemote = desc;
        if (!this.started) this.manager.setRole(false);
      } else {
        this.remoteDescriptionValue = desc;
        this.localDescriptionValue = this.pendingLocal ?? this.localDescriptionValue;
        this.pendingRemote = null;
        if (description.type === 'answer') this.pendingLocal = null;
      }
      if (restart && description.type === 'offer') {
        const { ufrag: oldUfrag, pwd: oldPwd } = this.manager.localParameters;
        this.undo = {
          remoteInfo: this.undo?.remoteInfo,
          credentials: { ufrag: oldUfrag, pwd: oldPwd },
        };
        this.restartLocalIce();
      }
      if (info.data) {
        this.sctpTransportObject.maxMessageSizeValue =
          info.data.maxMessageSize === 0 ? Number.POSITIVE_INFINITY : info.data.maxMessageSize;
        if (description.type !== 'offer' || restart) this.startTransports();
      }
      this.setSignaling(next);
    });
  }

  /** W3C `addIceCandidate()`; no argument or an empty candidate is end-of-candidates. */
  addIceCandidate(candidate?: RTCIceCandidateInit | RTCIceCandidate | null): Promise<void> {
    return this.enqueue(async () => {
      this.assertNotClosed();
      if (this.remoteDescription === null) {
        throw new DOMException(
          'addIceCandidate() before setRemoteDescription()',
          'InvalidStateError',
        );
      }
      if (
        candidate &&
        candidate.sdpMid == null &&
        candidate.sdpMLineIndex == null &&
        candidate.candidate
      ) {
        throw new TypeError('a candidate needs sdpMid or sdpMLineIndex');
      }
      const text = candidate?.candidate ?? '';
      if (
        text !== '' &&
        candidate?.sdpMid != null &&
        candidate.sdpMid !== this.remoteInfo?.data?.mid
      ) {
        throw new DOMException(`no media section with mid ${candidate.sdpMid}`, 'OperationError');
      }
      // webrtc-pc addIceCandidate: a ufrag of no applied remote description is an error (the
      // current one, or the one a pending restart offer replaces).
      const ufrag = candidate?.usernameFragment ?? / ufrag (\S+)/.exec(text)?.[1] ?? null;
      const applied = [this.remoteInfo?.data?.ufrag, this.undo?.remoteInfo?.data?.ufrag];
      if (ufrag !== null && !applied.includes(ufrag)) {
        throw new DOMException(`no remote description has ufrag ${ufrag}`, 'OperationError');
      }
      try {
        this.manager.addRemoteCandidate(text === '' ? null : text);
      } catch (error) {
        if (NetworkError.isInstance(error)) throw new DOMException(error.message, 'OperationError');
        throw error;
      }
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
    if (this.started) this.restartRequested = true;
    this.queueNegotiationNeeded();
  }

  /**
   * webrtc-pc "update the negotiation-needed flag", for what this implementation can
   * need: fired from a queued task, only in `stable` (otherwise once it is back there).
   */
  private queueNegotiationNeeded(): void {
    queueMicrotask(() => {
      if (!this.closed && this.signaling === 'stable')
        this.dispatchEvent(new Event('negotiationneeded'));
    });
  }

  /** W3C `createDataChannel()`. */
  createDataChannel(label: string, init: RTCDataChannelInit = {}): RTCDataChannel {
    this.assertNotClosed();
    const parameters = dataChannelParameters(label, init);
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
    if (!this.wantData) {
      this.wantData = true;
      queueMicrotask(() => {
        if (!this.closed) this.dispatchEvent(new Event('negotiationneeded'));
      });
    }
    return channel;
  }

  /**
   * W3C `getStats()` (webrtc-pc §8.2): `peer-connection`, `data-channel`, `transport`,
   * `candidate-pair`, `local-candidate`, `remote-candidate` and `certificate` entries, with the
   * members webrtc-stats defines for them (see `rtc-stats.ts`). The selector argument is
   * accepted for compatibility; a data-channel connection has no tracks to select.
   */
  async getStats(_selector?: null): Promise<Map<string, RTCStats>> {
    return collectStats({
      iceTransport: this.iceTransport,
      dtlsTransport: this.dtlsTransport,
      ice: this.manager.getIceStats(),
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
    this.signaling = 'closed';
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
    const result = this.chain.then(operation);
    this.chain = result.catch(() => {});
    return result;
  }

  private assertNotClosed(): void {
    if (this.closed) throw new DOMException('the RTCPeerConnection is closed', 'InvalidStateError');
  }

  private setSignaling(next: RTCSignalingState): void {
    if (next === this.signaling) return;
    this.signaling = next;
    this.dispatchEvent(new Event('signalingstatechange'));
    // A restart asked for while an offer was out is still to negotiate.
    if (next === 'stable' && this.restartRequested && this.restartCredentials === undefined)
      this.queueNegotiationNeeded();
  }

  private rollback(): void {
    if (this.signaling !== 'have-local-offer' && this.signaling !== 'have-remote-offer') {
      throw new DOMException(`rollback in signaling state ${this.signaling}`, 'InvalidStateError');
    }
    this.pendingLocal = null;
    this.pendingRemote = null;
    const undo = this.undo;
    this.undo = undefined;
    if (undo && this.signaling === 'have-remote-offer') this.remoteInfo = undo.remoteInfo;
    if (undo?.credentials) {
      // The offer restarted ICE: go back to the generation both sides still hold, our old
      // credentials and the current remote description's, and check its candidates again.
      this.restartLocalIce(undo.credentials);
      this.startedRemoteUfrag = undefined;
      this.startTransports();
      this.gathering.release();
    }
    this.setSignaling('stable');
  }

  private writeLocal(type: 'offer' | 'answer' | 'pranswer'): string {
    let { ufrag, pwd, fingerprints } = this.manager.localParameters;
    if (type === 'offer' && this.restartRequested) {
      // RFC 8445 §5.3: at least 24 bits of randomness in the ufrag, 128 in the pwd.
      this.restartCredentials ??= {
        ufrag: randomBytes(6).toString('base64'),
        pwd: randomBytes(18).toString('base64'),
      };
      ({ ufrag, pwd } = this.restartCredentials);
    }
    const restarting = type === 'offer' && this.restartRequested;
    this.sessionVersion++;
    const remote = this.remoteInfo;
    const offering = type === 'offer';
    const dataMid = offering
      ? (remote?.data?.mid ?? (this.wantData ? MID : null))
      : (remote?.data?.mid ?? null);
    return writeDescription({
      type,
      sessionId: this.sessionId,
      sessionVersion: this.sessionVersion,
      ufrag,
      pwd,
      fingerprints,
      // JSEP §5.2.1 / §5.3.1: offers say actpass; answers take the active role unless the
      // offer asked for the other one.
      setup: offering ? 'actpass' : this.answerSetup(remote?.data?.setup),
      dataMid,
      media: offering ? [] : (remote?.media ?? []),
      // An offer that restarts ICE carries no candidates of the old generation.
      candidates: restarting ? [] : [...this.gathering.candidates],
      endOfCandidates: restarting ? false : this.gathering.done,
      maxMessageSize: 262_144,
      sctpPort: 5000,
    });
  }

  /**
   * `a=setup` of an answer (RFC 8842 §5.3, JSEP §5.3.1): the opposite of an offer that chose,
   * `active` for `actpass`; once DTLS runs, the role it has, whatever a later offer says
   * (RFC 8842 §5.5: a re-offer does not start a new DTLS association here).
   */
  private answerSetup(offered: string | undefined): 'active' | 'passive' {
    const current = this.manager.dtlsRole;
    if (current !== undefined) return current === 'client' ? 'active' : 'passive';
    return offered === 'active' ? 'passive' : 'active';
  }

  private startTransports(): void {
    const data = this.remoteInfo?.data;
    if (!data) return;
    const weAreOfferer =
      this.remoteDescriptionValue?.type === 'answer' ||
      this.remoteDescriptionValue?.type === 'pranswer';
    // RFC 8842 §5.1: `active` is the DTLS client. When the peer is active we are the server;
    // otherwise (it answered passive, or offered actpass and we answer active) the client.
    // Once DTLS runs its role stays (RFC 8842 §5.5), whatever a re-offer says.
    const dtlsRole = this.manager.dtlsRole ?? (data.setup === 'active' ? 'server' : 'client');
    // The first negotiation fixes the ICE roles; later ones keep them (RFC 8445 §9).
    if (!this.started) this.iceTransport.roleValue = weAreOfferer ? 'controlling' : 'controlled';
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
        for (const candidate of data.candidates) this.manager.addRemoteCandidate(candidate);
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
          this.remoteInfo?.data?.mid ?? MID,
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

  /** webrtc-pc: a gathered candidate shows in the local descriptions of its generation. */
  private surfaceCandidate(candidate: string | null, mid: string, ufrag: string): void {
    const line = candidate === null ? 'a=end-of-candidates' : `a=${candidate}`;
    const surface = (d: RTCSessionDescription | null): RTCSessionDescription | null => {
      if (d === null) return d;
      const sdp = surfaceLine(d.sdp, mid, ufrag, line);
      return sdp === d.sdp ? d : new RTCSessionDescription({ type: d.type, sdp });
    };
    this.pendingLocal = surface(this.pendingLocal);
    this.localDescriptionValue = surface(this.localDescriptionValue);
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

/**
 * The Manager: one ICE agent, the DTLS transport over its selected pair, the SCTP association
 * over DTLS and the data channels over SCTP (pion/webrtc's `network.Manager`, done right).
 * It builds the `Agent` with its own callback, and maps the agent's states (and DTLS's and
 * SCTP's) to this package's enums in exactly one place each (`map-*.ts`).
 */
import {
  DtlsTransport,
  type Fingerprint,
  generateCertificate,
  SrtpProtectionProfile,
} from '@x/dtls';
import {
  Agent,
  type AgentConfig,
  type ConnectionState,
  checkAgentConfig,
  generateIceCredentials,
} from '@x/ice';
import { Association, type AssociationState } from '@x/sctp';
import { type Clock, nodeNet, SerialNotifier, systemClock } from '@x/transport';
import { debuglog } from 'node:util';
import { ChannelTable } from './channels.js';
import type { DataChannel, DataChannelParameters } from './data-channel.js';
import { type DtlsGateHost, DtlsGate } from './dtls-gate.js';
import { ChannelClosedError, InvalidArgumentError, InvalidStateError } from './errors.js';
import { formatFingerprint, mapDtlsCause, mapDtlsState } from './map-dtls.js';
import {
  describeCandidate,
  describePair,
  mapIceCause,
  mapIceState,
  mapSelectedPairCause,
} from './map-ice.js';
import { mapSctpCause, mapSctpState } from './map-sctp.js';
import { MediaRouter } from './media/media-router.js';
import type {
  MediaGenerator,
  MediaRoutes,
  MediaStats,
  SendStreamFeedback,
} from './media/media-types.js';
import { sctpMtuLimit } from './path-mtu.js';
import { PairTraffic } from './pair-traffic.js';
import { webRtcAssociationOptions } from './sctp-options.js';
import {
  type CandidatePairDescription,
  DtlsTransportState,
  describeCause,
  type IceTransportStats,
  type SctpTransportStats,
  IceTransportState,
  SctpTransportState,
} from './transport-state.js';

const log = debuglog('x:network');

/**
 * The SRTP protection profiles offered (as DTLS client) and chosen from (as server) in
 * `use_srtp` (RFC 5764 §4.1.1), most preferred first. Browsers negotiate `use_srtp` on every
 * connection, data-only ones included, and some peers (pion, werift) abort the handshake with
 * `insufficient_security` without it. AEAD first (RFC 7714: one pass, a shorter path through
 * node:crypto than AES-CM plus HMAC-SHA1); SHA1_32 last, only for a peer offering nothing else.
 */
/** RFC 9260 §3.3.10.12: the cause of an ABORT a user asked for. */
const USER_INITIATED_ABORT = 12;

const SRTP_PROFILES: readonly SrtpProtectionProfile[] = [
  SrtpProtectionProfile.AeadAes128Gcm,
  SrtpProtectionProfile.AeadAes256Gcm,
  SrtpProtectionProfile.Aes128CmHmacSha1_80,
  SrtpProtectionProfile.Aes128CmHmacSha1_32,
];

import type {
  Certificate,
  ManagerConfig,
  ManagerEvent,
  ManagerHandler,
  ManagerStats,
  RemoteParameters,
} from './manager-types.js';

export {
  type Certificate,
  certificateFingerprints,
  generateCertificate,
  generateRsaCertificate,
  type ManagerConfig,
  type ManagerEvent,
  type ManagerHandler,
  type ManagerStats,
  type RemoteParameters,
} from './manager-types.js';

/**
 * The transports under one RTCPeerConnection. Build it with a handler; it reports every state
 * change of the ICE, DTLS and SCTP transports with its cause, in order, after committing it.
 *
 * @example
 * ```ts
 * const manager = new Manager({ controlling: true }, undefined, (e) => console.log(e.kind, e));
 * await manager.gather();                  // local-candidate events follow
 * manager.start({ ufrag, pwd, fingerprints, dtlsRole: 'server' });
 * manager.addRemoteCandidate('candidate:1 1 udp 2130706431 127.0.0.1 50000 typ host');
 * const channel = manager.createDataChannel({ label: 'chat' });
 * ```
 */
export class Manager {
  private agentInstance: Agent | undefined;
  private controlling: boolean | undefined;
  private readonly config: ManagerConfig;
  private iceServerOptions: Pick<ManagerConfig, 'iceServers' | 'iceTransportPolicy'>;
  private credentials: { ufrag: string; pwd: string };
  private readonly clock: Clock;
  private readonly certificate: Certificate;
  private readonly onHandlerError: (error: unknown) => void;
  private readonly events: SerialNotifier<[ManagerEvent]>;
  private readonly channels: ChannelTable;
  private readonly localMaxMessageSize: number;
  private remote: RemoteParameters | undefined;
  /** The fingerprints the DTLS association in use was made for. */
  private remoteFingerprints: readonly Fingerprint[] = [];
  private dtls: DtlsTransport | undefined;
  private association: Association | undefined;
  private iceState = IceTransportState.New;
  private dtlsState = DtlsTransportState.New;
  private sctpState: SctpTransportState | undefined;
  private selected: CandidatePairDescription | undefined;
  private closed = false;
  private closing: Promise<void> | undefined;
  /** DTLS demultiplexing, and what waits for the remote description or for a pair. */
  private readonly gate = new DtlsGate(this.gateHost());
  private readonly traffic = new PairTraffic();
  /** SRTP, and where each RTP stream goes. */
  private readonly media: MediaRouter;

  /**
   * @param config - see {@link ManagerConfig}; a bad ICE server or option throws here.
   * @param onMedia - called once for each new incoming RTP stream (pion's
   *   `BufferTransportGenerator`); what it returns receives that stream's RTP and RTCP.
   *   `undefined` (or no generator) drops the stream, counted in {@link Manager.mediaStats}.
   * @param handler - every state change of the ICE, DTLS and SCTP transports, with its cause.
   */
  constructor(config: ManagerConfig, onMedia: MediaGenerator | undefined, handler: ManagerHandler) {
    this.clock = config.clock ?? systemClock;
    this.onHandlerError =
      config.onHandlerError ?? ((error) => log('event handler threw: %s', error));
    this.events = new SerialNotifier(handler, this.onHandlerError);
    this.media = new MediaRouter(
      {
        sendOnPair: (datagram) => this.sendOnPair(datagram),
        handlerThrew: this.onHandlerError,
      },
      onMedia,
      config.media,
    );
    this.certificate = config.certificate ?? generateCertificate();
    this.localMaxMessageSize = config.maxMessageSize ?? 262_144;
    this.channels = new ChannelTable((channel) => this.emit({ kind: 'data-channel', channel }));
    this.config = config;
    this.controlling = config.controlling;
    this.iceServerOptions = {
      ...(config.iceServers ? { iceServers: config.iceServers } : {}),
      ...(config.iceTransportPolicy ? { iceTransportPolicy: config.iceTransportPolicy } : {}),
    };
    // RFC 8445 §5.3: ufrag of at least 24 bits and pwd of at least 128 bits of randomness, in
    // ice-chars (the base64 alphabet).
    this.credentials = generateIceCredentials();
    // The agent comes with the first gathering or checks; a bad option throws here, not there.
    checkAgentConfig(this.agentOptions(true));
  }

  /**
   * Replaces the ICE servers and the transport policy (W3C `setConfiguration()`); throws
   * `IceConfigError` for a bad one, changing nothing. As JSEP §4.1.18 says, they take effect at
   * the next gathering: the first one, or the one of the next ICE restart, which gathers from
   * the servers that are new since (new TURN credentials included).
   */
  setIceServers(options: Pick<ManagerConfig, 'iceServers' | 'iceTransportPolicy'>): void {
    this.assertOpen();
    const next = {
      ...(options.iceServers ? { iceServers: options.iceServers } : {}),
      ...(options.iceTransportPolicy ? { iceTransportPolicy: options.iceTransportPolicy } : {}),
    };
    const previous = this.iceServerOptions;
    this.iceServerOptions = next;
    try {
      checkAgentConfig(this.agentOptions(true));
    } catch (error) {
      this.iceServerOptions = previous;
      throw error;
    }
    this.agentInstance?.setServers(next.iceServers ?? [], next.iceTransportPolicy ?? 'all');
  }

  /**
   * Sets the ICE role until the remote parameters are given (offerer: controlling; an offer
   * rolled back for the peer's, in glare, makes us the controlled answerer).
   */
  setRole(controlling: boolean): void {
    if (this.agentInstance && this.controlling !== controlling) {
      if (this.remote !== undefined)
        throw new InvalidStateError('the ICE role is fixed once checks have started');
      this.agentInstance.setRole(controlling);
    }
    this.controlling = controlling;
  }

  /**
   * The agent's options from this Manager's configuration (the event handlers aside), with the
   * ICE servers and transport policy of the last {@link Manager.setIceServers}.
   */
  private agentOptions(controlling: boolean): AgentConfig {
    const config = this.config;
    const { iceServers, iceTransportPolicy } = this.iceServerOptions;
    return {
      net: config.net ?? nodeNet,
      clock: this.clock,
      controlling,
      ufrag: this.credentials.ufrag,
      pwd: this.credentials.pwd,
      ...(iceServers ? { iceServers } : {}),
      ...(config.gather ? { gather: config.gather } : {}),
      ...(config.mdns ? { mdns: config.mdns } : {}),
      ...(config.iceLite ? { lite: true } : {}),
      ...(config.consent ? { consent: config.consent } : {}),
      ...(iceTransportPolicy ? { transportPolicy: iceTransportPolicy } : {}),
      ...(config.turnTls ? { turnTls: config.turnTls } : {}),
      ...(config.udpMux ? { udpMux: config.udpMux } : {}),
      ...(config.tcpMux ? { tcpMux: config.tcpMux } : {}),
    };
  }

  private get agent(): Agent {
    if (this.agentInstance) return this.agentInstance;
    if (this.controlling === undefined) {
      throw new InvalidStateError('the ICE role is not known yet: call setRole() first');
    }
    this.agentInstance = new Agent(
      {
        ...this.agentOptions(this.controlling),
        onCandidateError: (e) =>
          this.emit({
            kind: 'candidate-error',
            url: e.url,
            errorCode: e.errorCode,
            errorText: e.errorText,
            address: e.address ?? null,
            port: e.port ?? null,
          }),
        onCandidate: (candidate, source) => {
          this.emit({
            kind: 'local-candidate',
            candidate: candidate ? { ...describeCandidate(candidate), ...source } : null,
          });
          if (candidate === null) this.emit({ kind: 'gathering-state', state: 'complete' });
        },
        onSelectedPairChange: (pair, cause) => {
          this.traffic.select(pair);
          this.selected = describePair(pair);
          this.association?.setMaxMtu(sctpMtuLimit(this.selected, this.dtls?.peerRecordSizeLimit));
          this.association?.setPathRtt(this.selected.rttMs);
          this.emit({
            kind: 'selected-pair',
            pair: this.selected,
            cause: mapSelectedPairCause(cause),
          });
        },
        onData: (data, pair) => {
          this.traffic.received(pair, data.byteLength, this.clock.now());
          this.gate.receive(data);
        },
      },
      (state, cause) => this.onIceState(state, cause),
    );
    return this.agentInstance;
  }

  /** Our ICE credentials, DTLS fingerprint and whether we are ICE-lite, for the local description. */
  get localParameters(): {
    ufrag: string;
    pwd: string;
    fingerprints: { algorithm: string; value: string }[];
    iceLite: boolean;
  } {
    const { ufrag, pwd } = this.credentials;
    const fingerprint = this.certificate.fingerprint('sha-256');
    return {
      ufrag,
      pwd,
      fingerprints: [{ algorithm: fingerprint.algorithm, value: fingerprint.value }],
      iceLite: this.config.iceLite === true,
    };
  }

  /** The certificate DTLS presents. */
  get localCertificate(): Certificate {
    return this.certificate;
  }

  /** The ICE transport's state. */
  get iceTransportState(): IceTransportState {
    return this.iceState;
  }

  /** The DTLS transport's state. */
  get dtlsTransportState(): DtlsTransportState {
    return this.dtlsState;
  }

  /** The SCTP transport's state, once the association exists. */
  get sctpTransportState(): SctpTransportState | undefined {
    return this.sctpState;
  }

  /** The pair carrying data, when there is one. */
  get selectedPair(): CandidatePairDescription | undefined {
    return this.selected;
  }

  /** The ICE gathering state. */
  get gatheringState(): 'new' | 'gathering' | 'complete' {
    return this.agentInstance?.gatheringState ?? 'new';
  }

  /** The largest message the peer accepts (its `a=max-message-size`). */
  get remoteMaxMessageSize(): number {
    return this.channels.maxMessageSize;
  }

  /**
   * The SCTP streams negotiated (RFC 4960 §5.1.1: outbound, the fewer of ours and the peer's
   * inbound), once the association is up: the W3C `RTCSctpTransport.maxChannels`.
   */
  get sctpStreams(): number | undefined {
    const count = this.association?.streamCount;
    return count ? count : undefined;
  }

  /**
   * Ends SCTP while ICE and DTLS stay (a renegotiation's answer rejected the data section,
   * JSEP §5.3.1): the association is aborted (RFC 9260 §9.1, the peer is told) and every data
   * channel closes with an error. Nothing happens before SCTP started or after close().
   */
  stopSctp(): void {
    if (this.closed || this.association === undefined) return;
    this.association.abort('the data section was rejected');
  }

  /** The DER of the peer's certificate once DTLS is connected. */
  get remoteCertificate(): Buffer | undefined {
    return this.dtls?.remoteCertificate;
  }

  /** The peer's whole certificate chain (DER, its certificate first); empty before DTLS. */
  get remoteCertificates(): readonly Buffer[] {
    return this.dtls?.remoteCertificates ?? [];
  }

  /** Counters (drops of bad input). */
  get stats(): ManagerStats {
    return { demuxDropped: this.gate.dropped, dcepDropped: this.channels.dropped };
  }

  /** The DTLS role once the remote description gave it (RFC 8842 `a=setup`). */
  get dtlsRole(): 'client' | 'server' | undefined {
    return this.remote?.dtlsRole;
  }

  /** The SCTP association's congestion figures, once it exists (webrtc-stats `sctp-transport`). */
  getSctpStats(): SctpTransportStats | undefined {
    const a = this.association;
    if (a === undefined) return undefined;
    const s = a.stats;
    return {
      smoothedRoundTripTimeMs: s.srtt,
      congestionWindow: s.cwnd,
      receiverWindow: s.peerRwnd,
      mtu: s.pathMtu,
      unackData: s.unackedChunks,
    };
  }

  /** The ICE transport's counters, pairs and candidates (webrtc-stats), read now. */
  getIceStats(): IceTransportStats {
    return this.traffic.iceStats(this.agentInstance);
  }

  /** Gathers local candidates; `local-candidate` events report each, then `null`. */
  async gather(options: { signal?: AbortSignal } = {}): Promise<void> {
    this.assertOpen();
    if (this.agent.gatheringState !== 'new') return;
    this.emit({ kind: 'gathering-state', state: 'gathering' });
    // The handler may have closed the Manager: gathering then ends here, quietly.
    if (this.closed) return;
    await this.agent.gather(options);
  }

  /**
   * Applies the remote description's transport parameters: ICE credentials start the checks,
   * the DTLS role and fingerprints prepare DTLS (which starts once ICE selects a pair).
   */
  start(remote: RemoteParameters): void {
    this.assertOpen();
    const fingerprints = remote.fingerprints.map((f) => ({
      algorithm: f.algorithm.toLowerCase(),
      value: f.value.toUpperCase(),
    })) as Fingerprint[];
    if (fingerprints.length === 0) {
      throw new InvalidArgumentError(
        'the remote description has no a=fingerprint; DTLS cannot authenticate the peer',
      );
    }
    const previous = this.remote;
    // RFC 8842 §5, RFC 9429 §5.3: other fingerprints are another certificate, so another DTLS
    // association; the peer may only change them with an ICE restart (new credentials).
    const newAssociation =
      previous !== undefined && !sameFingerprints(this.remoteFingerprints, fingerprints);
    if (newAssociation && remote.ufrag === previous.ufrag) {
      throw new InvalidArgumentError(
        'the remote DTLS fingerprint changed without an ICE restart (RFC 9429 §5.3)',
      );
    }
    // Throws for bad credentials before anything changed.
    this.agent.setRemoteCredentials(remote.ufrag, remote.pwd, { iceLite: remote.iceLite ?? false });
    this.remote = remote;
    const max = remote.maxMessageSize ?? 65_536;
    this.channels.maxMessageSize = max === 0 ? Number.POSITIVE_INFINITY : max;
    // RFC 8841 §6: a renegotiation may change it; SCTP checks it too.
    this.association?.setRemoteMaxMessageSize(max);
    if (previous !== undefined && !newAssociation) {
      // A renegotiation that adds the data section to a media-only session starts SCTP.
      if (this.dtlsState === DtlsTransportState.Connected) this.startSctp();
      return;
    }
    if (newAssociation) this.endDtlsAssociation();
    this.channels.setRole(remote.dtlsRole);
    this.remoteFingerprints = fingerprints;
    const dtls: DtlsTransport = new DtlsTransport(
      {
        role: remote.dtlsRole,
        certificate: this.certificate,
        remoteFingerprints: fingerprints,
        clock: this.clock,
        // A replaced association says nothing more (the peer has left it).
        send: (datagram) => this.dtls === dtls && this.gate.send(datagram),
        onData: (data) => this.dtls === dtls && this.association?.handlePacket(data),
        onHandlerError: this.onHandlerError,
        // DTLS only hears addresses of candidate pairs: ones the peer signaled, or learned from
        // its authenticated checks (RFC 8445 §7.3.1.3). A HelloVerifyRequest round trip would
        // protect nothing more there (RFC 6347 §4.2.1 lets a server skip it), so it is skipped.
        cookieExchange: false,
        srtpProfiles: SRTP_PROFILES,
      },
      (change) => this.dtls === dtls && this.onDtlsState(change.state, change.cause),
    );
    this.dtls = dtls;
    // DTLS starts on the first selected pair, or (server) on the first ClientHello, whichever
    // comes first: a controlled agent may hear the peer's DTLS before its own nomination.
    if (this.selected !== undefined) this.startDtls();
    this.gate.described();
  }

  /**
   * A DTLS restart: the peer's new certificate (with an ICE restart) replaces the association.
   * SCTP ran over the old one only (RFC 8261 §6.1), so it ends and its channels close; a new
   * association starts once the new DTLS connects. SRTP drops its keys until then and is keyed
   * again from the new exporter (RFC 5764 §4.2); the incoming streams keep their sinks.
   */
  private endDtlsAssociation(): void {
    const old = this.dtls;
    // From here the old association is silent (its records would reach a peer that left it).
    this.dtls = undefined;
    this.dtlsState = DtlsTransportState.New;
    this.media.unkey();
    this.association?.abort('a new DTLS association replaced this one');
    this.association = undefined;
    this.channels.reopen();
    old?.close();
  }

  /** Adds a remote candidate (`candidate:` string); `null` or `''` is end-of-candidates. */
  addRemoteCandidate(candidate: string | null): void {
    this.assertOpen();
    if (candidate === null || candidate === '') {
      this.agent.endOfRemoteCandidates();
      return;
    }
    this.agent.addRemoteCandidate(candidate);
  }

  /**
   * Begins a new ICE generation (an ICE restart, RFC 8445 §9) with new local credentials,
   * given (those of the offer that asks for it, JSEP §5.2.1) or random, and returns them. The
   * current generation, its selected pair and DTLS on it go on untouched until the peer's
   * credentials of the new one arrive with {@link Manager.start}, which makes it current;
   * {@link Manager.abandonIceGeneration} drops it instead. The local candidates are announced
   * again (`local-candidate` events) under the new credentials, which `localParameters` gives.
   */
  beginIceGeneration(credentials?: { ufrag: string; pwd: string }): { ufrag: string; pwd: string } {
    this.assertOpen();
    const next = credentials ?? generateIceCredentials();
    const previous = this.credentials;
    // Set first: the candidates announced again under `next` read it.
    this.credentials = next;
    try {
      this.agent.beginGeneration(next);
    } catch (error) {
      this.credentials = previous;
      throw error;
    }
    return { ...next };
  }

  /**
   * Drops the generation begun with {@link Manager.beginIceGeneration} that the peer's
   * credentials have not made current (the offer that began it was rolled back, JSEP
   * §4.1.10.2): `localParameters` gives the current credentials again, and nothing else
   * changes. Returns false when none waits.
   */
  abandonIceGeneration(): boolean {
    if (this.closed || !this.agent.abandonGeneration()) return false;
    this.credentials = { ...this.agent.localCredentials };
    return true;
  }

  /** Creates a data channel; it opens once SCTP is up (and the peer acknowledges it). */
  createDataChannel(parameters: DataChannelParameters): DataChannel {
    this.assertOpen();
    return this.channels.create(parameters);
  }

  /**
   * Closes everything: data channels, SCTP (ABORT, as the W3C close does), DTLS (close_notify),
   * the ICE agent and its sockets. Fires no state events (the W3C close fires none).
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.closed = true;
    this.media.close();
    this.channels.detach();
    // webrtc-pc close(): "tear down the underlying SCTP association by sending an SCTP ABORT
    // chunk", then DTLS says close_notify (RFC 5246 §7.2.1); the sockets close once both left.
    try {
      this.association?.abort('RTCPeerConnection.close()');
    } catch (error) {
      log('aborting SCTP: %s', error);
    }
    try {
      this.dtls?.close();
    } catch (error) {
      log('closing DTLS: %s', error);
    }
    await this.agentInstance?.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new InvalidStateError('the manager is closed');
  }

  /** What the DTLS gate reads and does here. */
  private gateHost(): DtlsGateHost {
    const m = this;
    return {
      get dtls() {
        return m.dtls;
      },
      get described() {
        return m.remote !== undefined;
      },
      get server() {
        return m.remote?.dtlsRole === 'server';
      },
      get pairPending() {
        return m.iceState === IceTransportState.New || m.iceState === IceTransportState.Checking;
      },
      sendOnPair: (datagram) => m.sendOnPair(datagram),
      startDtls: () => m.startDtls(),
      receiveMedia: (data) => m.media.receive(data),
    };
  }

  /** Sends one datagram on the agent's pair, counted; false while it has none. */
  private sendOnPair(datagram: Uint8Array): boolean {
    if (!this.agent.send(datagram)) return false;
    this.traffic.sent(datagram.byteLength, this.clock.now());
    return true;
  }

  private startDtls(): void {
    if (this.dtls && this.dtlsState === DtlsTransportState.New) this.dtls.start();
  }

  private onIceState(state: ConnectionState, cause: Parameters<typeof mapIceCause>[0]): void {
    const mapped = mapIceState(state);
    if (mapped === this.iceState) return;
    this.iceState = mapped;
    if (this.closed) return;
    this.emit({ kind: 'ice-state', state: mapped, cause: mapIceCause(cause) });
    if (mapped === IceTransportState.Connected || mapped === IceTransportState.Completed) {
      this.startDtls();
      this.gate.pairReady();
    }
  }

  private onDtlsState(
    state: Parameters<typeof mapDtlsState>[0],
    cause: Parameters<typeof mapDtlsCause>[0],
  ): void {
    const mapped = mapDtlsState(state);
    if (mapped === this.dtlsState) return;
    this.dtlsState = mapped;
    if (this.closed) return;
    if (mapped === DtlsTransportState.Connected) this.keySrtp();
    this.emit({ kind: 'dtls-state', state: mapped, cause: mapDtlsCause(cause) });
    if (mapped === DtlsTransportState.Connected) this.startSctp();
    if (mapped === DtlsTransportState.Closed || mapped === DtlsTransportState.Failed) {
      const reason = mapped === DtlsTransportState.Failed ? 'DTLS failed' : 'DTLS closed';
      if (this.association) {
        this.association.abort(reason);
      } else {
        // webrtc-pc: SCTP runs over this DTLS transport only (RFC 8261 §6.1), so it closes
        // with it; channels waiting for it "could not be established" (RTCDataChannelState
        // closed), with an error rather than `connecting` for ever.
        this.sctpState = SctpTransportState.Closed;
        const cause = { kind: 'aborted-locally', reason } as const;
        this.emit({ kind: 'sctp-state', state: SctpTransportState.Closed, cause });
        this.channels.detach(new ChannelClosedError(describeCause(cause), undefined, cause));
      }
    }
  }

  /** RFC 5764 §4.2: SRTP keys from the DTLS exporter, when `use_srtp` was negotiated. */
  private keySrtp(): void {
    const dtls = this.dtls!;
    const profile = dtls.srtpProfile;
    if (profile === undefined) return;
    try {
      this.media.key(dtls, this.remote!.dtlsRole, profile);
    } catch (error) {
      log('keying SRTP failed: %s', error);
    }
  }

  // Media ------------------------------------------------------------------------------

  /**
   * Says where RTP goes, from the remote description (RFC 8843 §9.2): the MID and RID
   * header extension ids, the signaled SSRCs and the payload types unique to a section.
   * Applies to streams not seen yet.
   */
  setMediaRoutes(routes: MediaRoutes): void {
    this.media.setRoutes(routes);
  }

  /**
   * Protects one RTP packet with SRTP and sends it on the selected pair. Returns false
   * (sending nothing) before DTLS connected and keyed SRTP, without a pair, or after close.
   * Throws `SrtpPacketError` for bytes that are not an RTP packet (a program error).
   */
  sendRtp(packet: Uint8Array): boolean {
    return this.media.sendRtp(packet);
  }

  /** Protects one RTCP compound with SRTCP and sends it; false as {@link Manager.sendRtp}. */
  sendRtcp(compound: Uint8Array): boolean {
    return this.media.sendRtcp(compound);
  }

  /**
   * Registers an SSRC we send: the peer's RTCP about it (receiver report blocks, NACK, PLI,
   * FIR, REMB, transport-wide feedback) goes to `feedback`.
   */
  addSendStream(ssrc: number, feedback: SendStreamFeedback): void {
    this.media.addSendStream(ssrc, feedback);
  }

  /** Forgets an SSRC we sent. */
  removeSendStream(ssrc: number): void {
    this.media.removeSendStream(ssrc);
  }

  /** Forgets an incoming stream: a later packet of its SSRC asks the generator again. */
  removeIncomingStream(ssrc: number): void {
    this.media.removeStream(ssrc);
  }

  /** True once SRTP is keyed (DTLS connected with `use_srtp`): media can flow. */
  get mediaReady(): boolean {
    return this.media.keyed;
  }

  /** Counters of the media path (what was received, sent, and dropped by reason). */
  get mediaStats(): MediaStats {
    return this.media.stats;
  }

  private startSctp(): void {
    const remote = this.remote!;
    // RFC 8261 §3: SCTP over DTLS only when the descriptions negotiated it, and once.
    if (remote.sctp === false || this.association !== undefined || this.closed) return;
    const dtls = this.dtls!;
    const channels = this.channels;
    this.association = new Association(
      // DTLS seals the packet into a record of its own before send() returns.
      { send: (packet: Uint8Array) => dtls.send(packet), copiesOnSend: true },
      webRtcAssociationOptions({
        clock: this.clock,
        remote,
        localMaxMessageSize: this.localMaxMessageSize,
        selected: this.selected,
        peerRecordSizeLimit: dtls.peerRecordSizeLimit,
        handlers: {
          onMessage: (id, ppid, data) => channels.onMessage(id, ppid, data),
          onBufferedAmountLow: (id) => channels.onBufferedAmountLow(id),
          onIncomingStreamsReset: (ids) => channels.onIncomingStreamsReset(ids),
          onOutgoingStreamsReset: (ids, ok) => channels.onOutgoingStreamsReset(ids, ok),
        },
      }),
      (state, cause) => this.onSctpState(state, cause),
    );
    this.association.connect();
  }

  private onSctpState(state: AssociationState, cause: Parameters<typeof mapSctpCause>[0]): void {
    const mapped = mapSctpState(state);
    if (mapped === this.sctpState) return;
    this.sctpState = mapped;
    if (this.closed) return;
    this.emit({ kind: 'sctp-state', state: mapped, cause: mapSctpCause(cause) });
    if (mapped === SctpTransportState.Connected && this.association)
      this.channels.attach(this.association);
    if (mapped === SctpTransportState.Closed) {
      const described = mapSctpCause(cause);
      const code =
        described.kind === 'aborted-by-peer'
          ? described.causes[0]
          : // Ours, unless DTLS ended first: then no ABORT could reach the peer.
            described.kind === 'aborted-locally' && this.dtlsState === DtlsTransportState.Connected
            ? USER_INITIATED_ABORT
            : undefined;
      this.channels.detach(new ChannelClosedError(describeCause(described), code, described));
    }
  }

  /** Delivers events in order; an event raised from inside the handler waits its turn. */
  private emit(event: ManagerEvent): void {
    this.events.push(event);
  }
}

/** The same set of fingerprints (each already normalized), in any order. */
function sameFingerprints(a: readonly Fingerprint[], b: readonly Fingerprint[]): boolean {
  const key = (f: Fingerprint) => `${f.algorithm} ${f.value}`;
  const left = new Set(a.map(key));
  return a.length === b.length && b.every((f) => left.has(key(f)));
}

export { formatFingerprint };

/**
 * JSEP (RFC 9429) as webrtc-pc's description methods apply it: the offers and answers we
 * write, the descriptions set on either side (with the signaling state, the implicit rollback
 * of a local offer by a remote one, ICE restarts from either side), and what they start below:
 * the Manager's roles and transports, gathering, the remote candidates of a description.
 * `RTCPeerConnection` runs each method on its operations chain.
 */
import type { Manager } from '@x/network';
import type { JsepState } from './jsep-state.js';
import type { LocalGathering } from './local-gathering.js';
import { descriptionError } from './rtc-error.js';
import { isAdministrativelyProhibited, parseCandidateFields } from './rtc-ice-candidate.js';
import {
  iceTransportControl,
  type RTCIceTransport,
  type SctpTransportSlot,
  sctpTransportControl,
} from './rtc-transports.js';
import { giveToIce } from './remote-candidate.js';
import {
  type RTCSdpType,
  RTCSessionDescription,
  type RTCSessionDescriptionInit,
  type RTCSignalingState,
  transition,
} from './rtc-types.js';
import { type RemoteDescriptionInfo, readDescription } from './remote-description.js';
import { parsedDescription, rememberParsed } from './parsed-description.js';
import { validateAnswerAgainstOffer } from './sdp/validate.js';
import type { RemoteTrackChanges } from './remote-tracks.js';
import type { Transceivers } from './transceivers.js';

/** What the negotiation uses of its peer connection. */
export interface NegotiatorHost {
  readonly jsep: JsepState;
  readonly manager: Manager;
  readonly gathering: LocalGathering;
  readonly iceTransport: RTCIceTransport;
  readonly sctpSlot: SctpTransportSlot;
  readonly closed: boolean;
  readonly iceTransportPolicy: 'all' | 'relay' | undefined;
  /** Sets the signaling state and fires `signalingstatechange` (and what follows it). */
  setSignaling(next: RTCSignalingState): void;
  /** The transceivers (webrtc-pc's set of transceivers). */
  readonly transceivers: Transceivers;
  /** Fires the `track` events of a description, after `signalingstatechange`. */
  runTrackChanges(changes: RemoteTrackChanges): void;
}

/** @internal Owned by `RTCPeerConnection`. */
export class Negotiator {
  /** A description started the transports (the ICE and DTLS roles are fixed from then on). */
  started = false;
  /** The remote ICE generation whose description candidates went to the agent. */
  private startedRemoteUfrag: string | undefined;

  constructor(private readonly host: NegotiatorHost) {}

  private get jsep(): JsepState {
    return this.host.jsep;
  }

  /**
   * `createOffer()`, on the chain. `iceRestart` (webrtc-pc `RTCOfferOptions`): this offer has
   * new ICE credentials, and applying it restarts ICE; before the first negotiation every
   * offer's credentials are new anyway.
   */
  createOffer(iceRestart = false): RTCSessionDescriptionInit {
    if (this.jsep.signaling !== 'stable' && this.jsep.signaling !== 'have-local-offer') {
      throw new DOMException(
        `createOffer() in signaling state ${this.jsep.signaling}; answer the remote offer first`,
        'InvalidStateError',
      );
    }
    this.jsep.lastCreated.offer = this.writeLocal('offer', iceRestart && this.started);
    return { type: 'offer', sdp: this.jsep.lastCreated.offer };
  }

  /** `createAnswer()`, on the chain. */
  createAnswer(): RTCSessionDescriptionInit {
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
  }

  /** `setLocalDescription()`, on the chain; `given` is the type WebIDL converted. */
  setLocal(
    description: RTCSessionDescriptionInit | undefined,
    given: RTCSdpType | undefined,
  ): void {
    let type = given;
    if (type === undefined) {
      type =
        this.jsep.signaling === 'have-remote-offer' || this.jsep.signaling === 'have-local-pranswer'
          ? 'answer'
          : 'offer';
    }
    if (type === 'rollback') {
      this.rollback();
      return;
    }
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
    const restart = type === 'offer' ? this.jsep.restartOf(sdp) : undefined;
    this.host.gathering.hold();
    this.jsep.apply('local', desc);
    const changes = this.host.transceivers.applyLocal(type, parsedDescription(desc));
    // RFC 8445 §6.1.1 / JSEP §5.2.1: the first offerer is controlling. Later offers (from
    // either side, ICE restarts included) keep the roles (RFC 8445 §9).
    if (type === 'offer' && !this.started) this.host.manager.setRole(true);
    if (type !== 'offer') this.startTransports();
    this.updateSctpTransport(type, sdp);
    this.host.setSignaling(next);
    this.host.runTrackChanges(changes);
    if (type === 'answer') this.host.transceivers.removeStopped();
    if (restart) {
      this.jsep.undo = {
        remoteInfo: this.jsep.remoteInfo,
        iceGeneration: true,
        restartRequested: this.jsep.restartRequested,
      };
      this.jsep.restartRequested = false;
      this.jsep.restartCredentials = undefined;
      this.beginIceGeneration(restart);
    }
    if (type !== 'offer') this.jsep.undo = undefined;
    this.host.gathering.release();
    void this.gather();
  }

  /** `setRemoteDescription()`, on the chain (its type already converted). */
  setRemote(description: RTCSessionDescriptionInit): void {
    if (description.type === 'rollback') {
      this.rollback();
      return;
    }
    // webrtc-pc: a remote offer in have-local-offer first rolls our offer back (glare, as
    // "perfect negotiation" relies on); the rollback stays if the offer then fails.
    if (description.type === 'offer' && this.jsep.signaling === 'have-local-offer') this.rollback();
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
      // JSEP §5.3.1 / RFC 3264 §6: an answer has the offer's m-lines, kinds and mids, in order.
      const offer = this.jsep.pendingLocal;
      if (description.type !== 'offer' && offer !== null) {
        const mismatch = validateAnswerAgainstOffer(info.parsed, parsedDescription(offer))[0];
        if (mismatch !== undefined) throw mismatch;
      }
      // RFC 9429 §5.3, RFC 8842 §5: another certificate is another DTLS association, which
      // the peer may only start with an ICE restart.
      const current = this.started ? this.jsep.remoteInfo?.transport : undefined;
      if (
        current !== undefined &&
        info.transport !== undefined &&
        info.transport.ufrag === current.ufrag &&
        fingerprintSet(info.transport.fingerprints) !== fingerprintSet(current.fingerprints)
      ) {
        throw new Error('the DTLS fingerprint changed without an ICE restart');
      }
    } catch (error) {
      throw descriptionError(error);
    }
    const desc = new RTCSessionDescription({
      type: description.type,
      sdp: description.sdp ?? '',
    });
    rememberParsed(desc, info.parsed);
    // JSEP §5.10: new remote credentials mean the peer restarted ICE; an offer that does so
    // makes us restart too (new local credentials in our answer, JSEP §5.3.1).
    const restart =
      this.started &&
      this.jsep.remoteInfo?.transport !== undefined &&
      info.transport !== undefined &&
      info.transport.ufrag !== this.jsep.remoteInfo.transport.ufrag;
    if (description.type === 'offer') this.jsep.undo = { remoteInfo: this.jsep.remoteInfo };
    else this.jsep.undo = undefined;
    this.jsep.remoteInfo = info;
    if (info.data) this.jsep.wantData = true;
    this.jsep.apply('remote', desc);
    const changes = this.host.transceivers.applyRemote(description.type, info);
    if (description.type === 'offer' && !this.started) this.host.manager.setRole(false);
    if (restart && description.type === 'offer') {
      // Our answer carries the credentials of a new generation; the peer's become current
      // when that answer is set (startTransports), so a rollback before leaves ICE untouched.
      this.jsep.undo = { remoteInfo: this.jsep.undo?.remoteInfo, iceGeneration: true };
      this.beginIceGeneration();
    }
    if (info.transport && description.type !== 'offer') this.startTransports();
    this.updateSctpTransport(description.type, desc.sdp);
    // RFC 8843 §9.2: where the peer's RTP goes, for the streams not seen yet.
    this.host.manager.setMediaRoutes(this.host.transceivers.routes(info));
    this.host.setSignaling(next);
    this.host.runTrackChanges(changes);
    if (description.type === 'answer') this.host.transceivers.removeStopped();
  }

  /**
   * webrtc-pc "set a session description": an offer describing SCTP sets [[SctpTransport]], an
   * answer closing it clears it, and an answer updates the data max message size.
   */
  private updateSctpTransport(type: 'offer' | 'answer' | 'pranswer', sdp: string): void {
    const before = this.host.sctpSlot.current;
    this.host.sctpSlot.applied(type, sdp, this.jsep.signaling);
    // An answer that rejects the data section ends SCTP (its channels close), not ICE or DTLS.
    if (before !== null && this.host.sctpSlot.current === null) this.host.manager.stopSctp();
    const data = this.jsep.remoteInfo?.data;
    if (type !== 'offer' && data && this.host.sctpSlot.current)
      sctpTransportControl().updateMaxMessageSize(this.host.sctpSlot.current, data.maxMessageSize);
  }

  /** A rollback (`setLocalDescription` or `setRemoteDescription` of type `rollback`). */
  rollback(): void {
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
    if (undo?.iceGeneration) {
      // The offer began an ICE generation: it is abandoned, and the current one (its checks,
      // its selected pair, our credentials and the peer's) is as it was.
      this.host.manager.abandonIceGeneration();
      this.host.gathering.rollback();
      if (undo.restartRequested) this.jsep.restartRequested = true;
    }
    this.host.sctpSlot.rolledBack();
    const changes = this.host.transceivers.rollback();
    this.host.setSignaling('stable');
    this.host.runTrackChanges(changes);
  }

  private writeLocal(type: 'offer' | 'answer' | 'pranswer', iceRestart = false): string {
    const transceivers = this.host.transceivers;
    return this.jsep.write(
      type,
      this.host.manager.localParameters,
      this.host.manager.dtlsRole,
      this.host.gathering,
      {
        plan: () =>
          transceivers.offerPlan(
            this.jsep.local === null ? undefined : parsedDescription(this.jsep.local),
            this.jsep.remoteInfo?.parsed,
            this.jsep.wantData,
          ),
        answer: (offered) => transceivers.answer(offered),
      },
      iceRestart,
    );
  }

  private startTransports(): void {
    const data = this.jsep.remoteInfo?.transport;
    const sctp = this.jsep.remoteInfo?.data;
    if (!data) return;
    const weAreOfferer =
      this.jsep.currentRemote?.type === 'answer' || this.jsep.currentRemote?.type === 'pranswer';
    // RFC 8842 §5.1: `active` is the DTLS client. When the peer is active we are the server;
    // otherwise (it answered passive, or offered actpass and we answer active) the client.
    // Once DTLS runs its role stays (RFC 8842 §5.5), whatever a re-offer says.
    const dtlsRole = this.host.manager.dtlsRole ?? (data.setup === 'active' ? 'server' : 'client');
    // The first negotiation fixes the ICE roles; later ones keep them (RFC 8445 §9). A full
    // agent facing a lite one controls; a lite agent facing a full one is controlled; between
    // two of a kind the offerer controls (RFC 8445 §6.1.1; webrtc-pc [[IceRole]]).
    if (!this.started) {
      const weAreLite = this.host.manager.localParameters.iceLite;
      const controlling = weAreLite === data.iceLite ? weAreOfferer : data.iceLite;
      iceTransportControl().setRole(
        this.host.iceTransport,
        controlling ? 'controlling' : 'controlled',
      );
    }
    this.host.manager.start({
      ufrag: data.ufrag,
      pwd: data.pwd,
      iceLite: data.iceLite,
      fingerprints: data.fingerprints,
      dtlsRole,
      // Without a data section (audio and video only), SCTP waits for one.
      ...(sctp
        ? {
            maxMessageSize: sctp.maxMessageSize,
            sctpPort: sctp.sctpPort,
            sctpZeroChecksum: sctp.writtenByUs,
            ...(sctp.writtenByUs ? { sctpReceiveWindowRate: Number.POSITIVE_INFINITY } : {}),
          }
        : { sctp: false }),
    });
    // The candidates of a description, once per ICE generation (first one, or a restart).
    // They reach the agent once the description is applied, so that the checks they start
    // (and `checking`) come after `signalingstatechange`, as when they trickle in.
    if (this.startedRemoteUfrag !== data.ufrag) {
      this.startedRemoteUfrag = data.ufrag;
      const ufrag = data.ufrag;
      queueMicrotask(() => {
        if (this.host.closed || this.startedRemoteUfrag !== ufrag) return;
        const policy = this.host.iceTransportPolicy;
        for (const candidate of data.candidates) {
          // A listener of what the last candidate started (`checking`) may have closed us.
          if (this.host.closed) return;
          // As addIceCandidate() does: what the agent cannot take, or must not (a prohibited
          // port, a name under the relay policy), stays in the description only.
          const fields = parseCandidateFields(candidate);
          if (fields === undefined || isAdministrativelyProhibited(fields, policy)) continue;
          giveToIce(this.host, candidate, data);
        }
        if (data.endOfCandidates && !this.host.closed) this.host.manager.addRemoteCandidate(null);
      });
    }
    this.started = true;
  }

  /**
   * Begins a new ICE generation on our side (RFC 8445 §9): new credentials, under which the
   * candidates are announced again (then end-of-candidates, held until the description is
   * set); the current generation runs on until the peer's credentials of the new one arrive.
   */
  private beginIceGeneration(credentials?: { ufrag: string; pwd: string }): void {
    this.host.gathering.restart();
    this.host.manager.beginIceGeneration(credentials);
  }

  private async gather(): Promise<void> {
    try {
      await this.host.manager.gather();
    } catch (error) {
      if (!this.host.closed) throw error;
    }
  }
}

/** Fingerprints as one comparable string (algorithm and value, case and order ignored). */
function fingerprintSet(fingerprints: readonly { algorithm: string; value: string }[]): string {
  return fingerprints
    .map((f) => `${f.algorithm.toLowerCase()} ${f.value.toUpperCase()}`)
    .sort()
    .join(',');
}

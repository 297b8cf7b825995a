/**
 * The JSEP side of an `RTCPeerConnection` (webrtc-pc §4.4.1, RFC 9429): the signaling state,
 * the current and pending local and remote descriptions, what a rollback undoes, and the
 * writing of our own descriptions (offers §5.2.1, answers §5.3.1), into which the candidates
 * gathered afterwards are surfaced.
 */
import { randomBytes } from 'node:crypto';
import { generateIceCredentials } from '@x/network';
import { RTCSessionDescription, type RTCSignalingState } from './rtc-types.js';
import { bundledSections, type RemoteDescriptionInfo } from './remote-description.js';
import type { LocalRtpSection, RemoteRtpSection } from './sdp/jsep-media.js';
import {
  buildAnswer,
  buildOffer,
  DEFAULT_LOCAL_MAX_MESSAGE_SIZE,
  DEFAULT_SCTP_PORT,
  type OfferSection,
} from './sdp/jsep.js';
import { parsedDescription } from './parsed-description.js';
import { serializeSdp } from './sdp/serialize.js';
import { surfaceLine } from './surface-candidate.js';

/** The `mid` of the data m-line in an offer we start. */
export const DATA_MID = '0';

/** ICE credentials. */
interface Credentials {
  ufrag: string;
  pwd: string;
}

/** @internal Owned by `RTCPeerConnection`. */
export class JsepState {
  signaling: RTCSignalingState = 'stable';
  currentLocal: RTCSessionDescription | null = null;
  currentRemote: RTCSessionDescription | null = null;
  pendingLocal: RTCSessionDescription | null = null;
  pendingRemote: RTCSessionDescription | null = null;
  /** What the last applied remote description says. */
  remoteInfo: RemoteDescriptionInfo | undefined;
  /** True once a data m-line was negotiated or a channel asked for one. */
  wantData = false;
  /**
   * `restartIce()` was called (webrtc-pc [[LocalIceCredentialsToReplace]]): the next offer
   * carries new credentials, created once and applied by setLocalDescription(offer).
   */
  restartRequested = false;
  restartCredentials: Credentials | undefined;
  /**
   * What a rollback restores (JSEP §4.1.10.2: it discards the pending offer's changes): the
   * remote description's parameters before a remote offer; whether the offer (ours or the
   * peer's) began an ICE generation, which the rollback abandons; and whether `restartIce()`
   * had asked for that offer's restart (it asks again after the rollback).
   */
  undo:
    | {
        remoteInfo: RemoteDescriptionInfo | undefined;
        iceGeneration?: boolean;
        restartRequested?: boolean;
      }
    | undefined;
  /** The last offer written that restarts ICE, and its new credentials. */
  private restartOffer: { readonly sdp: string; readonly credentials: Credentials } | undefined;
  /** webrtc-pc [[LastCreatedOffer]] and [[LastCreatedAnswer]]: what setLocalDescription() takes. */
  lastCreated: { offer: string; answer: string } = { offer: '', answer: '' };
  private readonly sessionId = BigInt(`0x${randomBytes(7).toString('hex')}`).toString();
  private sessionVersion = 0;

  /**
   * Stores a description set on `side` ("set the session description"): an offer becomes
   * that side's pending description; an answer or pranswer becomes its current one and makes
   * the other side's pending offer current (an answer also ends both pending ones).
   */
  apply(side: 'local' | 'remote', desc: RTCSessionDescription): void {
    const local = side === 'local';
    if (desc.type === 'offer') {
      if (local) this.pendingLocal = desc;
      else this.pendingRemote = desc;
      return;
    }
    const answer = desc.type === 'answer';
    if (local) {
      this.currentLocal = desc;
      this.currentRemote = this.pendingRemote ?? this.currentRemote;
      this.pendingLocal = null;
      if (answer) this.pendingRemote = null;
    } else {
      this.currentRemote = desc;
      this.currentLocal = this.pendingLocal ?? this.currentLocal;
      this.pendingRemote = null;
      if (answer) this.pendingLocal = null;
    }
  }

  /** webrtc-pc `localDescription`. */
  get local(): RTCSessionDescription | null {
    return this.pendingLocal ?? this.currentLocal;
  }

  /** webrtc-pc `remoteDescription`. */
  get remote(): RTCSessionDescription | null {
    return this.pendingRemote ?? this.currentRemote;
  }

  /**
   * The media section our candidates belong to, as `[sdpMid, sdpMLineIndex]`: the one that
   * carries the transport (RFC 8843 §7, the BUNDLE tag; JSEP §5.2.1, §5.3.1), read from the
   * description being negotiated. While our offer waits for its answer, that offer's; once an
   * answer is applied, the answer's (which differs when the answer rejected the offer's first
   * section); otherwise a remote offer's. Audio and video sections may come before the data
   * section, so the index is never assumed. Undefined before any description.
   */
  transportSection(): readonly [mid: string, index: number] | undefined {
    const answered = (d: RTCSessionDescription | null): RTCSessionDescription | null =>
      d !== null && d.type !== 'offer' ? d : null;
    const description =
      (this.pendingLocal?.type === 'offer' ? this.pendingLocal : null) ??
      answered(this.currentLocal) ??
      answered(this.currentRemote) ??
      this.pendingRemote ??
      this.currentLocal;
    if (description === null) return undefined;
    let tag: ReturnType<typeof bundledSections>[number] | undefined;
    try {
      tag = bundledSections(parsedDescription(description))[0];
    } catch {
      return undefined; // not reached: every applied description parsed
    }
    return tag === undefined ? undefined : [tag.section.mid ?? String(tag.index), tag.index];
  }

  /**
   * Our description of `type`, written by `sdp/jsep.ts` (JSEP §5.2.1 offers, §5.3.1
   * answers): `local` credentials (or a restart's new ones, also when `iceRestart` asks for
   * them) and fingerprints, the m-line plan of an offer or the RTP sections we accept in an
   * answer (`media`), the DTLS role if DTLS runs, and the candidates gathered so far.
   */
  write(
    type: 'offer' | 'answer' | 'pranswer',
    local: {
      ufrag: string;
      pwd: string;
      fingerprints: { algorithm: string; value: string }[];
      iceLite?: boolean;
    },
    dtlsRole: 'client' | 'server' | undefined,
    gathered: { readonly candidates: readonly string[]; readonly done: boolean },
    media: {
      readonly plan: () => OfferSection[];
      readonly answer: (offered: RemoteRtpSection) => LocalRtpSection | undefined;
    },
    iceRestart = false,
  ): string {
    let { ufrag, pwd } = local;
    // webrtc-pc RTCOfferOptions.iceRestart, or [[LocalIceCredentialsToReplace]] not empty.
    const restarting = type === 'offer' && (this.restartRequested || iceRestart);
    if (restarting) {
      this.restartCredentials ??= generateIceCredentials();
      ({ ufrag, pwd } = this.restartCredentials);
    }
    this.sessionVersion++;
    const parameters = {
      sessionId: this.sessionId,
      sessionVersion: String(this.sessionVersion),
      iceUfrag: ufrag,
      icePwd: pwd,
      fingerprints: local.fingerprints,
      // RFC 8839 §5.3: a lite agent says so at session level.
      ...(local.iceLite === true ? { iceLite: true } : {}),
      // An offer that restarts ICE carries no candidates of the old generation.
      candidates: restarting ? [] : [...gathered.candidates],
      endOfCandidates: restarting ? false : gathered.done,
      maxMessageSize: DEFAULT_LOCAL_MAX_MESSAGE_SIZE,
      sctpPort: DEFAULT_SCTP_PORT,
    };
    if (type === 'offer') {
      // JSEP §5.2.1: offers say actpass.
      const sdp = serializeSdp(buildOffer({ ...parameters, sections: media.plan() }));
      this.restartOffer =
        restarting && this.restartCredentials !== undefined
          ? { sdp, credentials: this.restartCredentials }
          : undefined;
      return sdp;
    }
    const offer = this.remoteInfo?.parsed;
    if (offer === undefined)
      throw new DOMException('no remote offer to answer', 'InvalidStateError');
    // JSEP §5.3.1: answers take the active role unless the offer asked for the other one;
    // once DTLS runs, the role it has (RFC 8842 §5.5).
    const preferredSetup = dtlsRole === 'server' ? 'passive' : 'active';
    return serializeSdp(
      buildAnswer(offer, { ...parameters, preferredSetup, rtp: media.answer }).description,
    );
  }

  /**
   * The new ICE credentials of `sdp` when it is the last offer written and that offer
   * restarts ICE (a new generation begins when it is set), else undefined.
   */
  restartOf(sdp: string): Credentials | undefined {
    return this.restartOffer?.sdp === sdp ? this.restartOffer.credentials : undefined;
  }

  /**
   * webrtc-pc "surface the candidate": a gathered candidate (`null`: end-of-candidates) of the
   * ICE generation `ufrag` goes into the pending and the current local description.
   */
  surface(candidate: string | null, mid: string, ufrag: string): void {
    const line = candidate === null ? 'a=end-of-candidates' : `a=${candidate}`;
    const surface = (d: RTCSessionDescription | null): RTCSessionDescription | null => {
      if (d === null) return d;
      const sdp = surfaceLine(d.sdp, mid, ufrag, line);
      return sdp === d.sdp ? d : new RTCSessionDescription({ type: d.type, sdp });
    };
    this.pendingLocal = surface(this.pendingLocal);
    this.currentLocal = surface(this.currentLocal);
  }
}

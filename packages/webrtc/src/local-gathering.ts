/**
 * Our side of ICE gathering as the W3C API shows it (webrtc-pc `RTCIceGatheringState`,
 * `RTCPeerConnectionIceEvent`): the candidates of the local description,
 * `iceGatheringState`, and the `icecandidate` and `icegatheringstatechange` events. What a
 * `setLocalDescription()` brings (the first gathering, or an ICE restart's new one, RFC 8445
 * §9) is held until it has resolved (JSEP §5.2.1: gathering follows the description), so that
 * the application can signal the description before its candidates, which the peer would
 * otherwise refuse (no remote description yet) or drop as unknown.
 */
import type { CandidateDescription } from '@x/network';
import type { Clock, Timer } from '@x/transport';
import { RTCIceCandidate } from './rtc-ice-candidate.js';
import {
  iceTransportControl,
  type RTCIceGatheringState,
  type RTCIceTransport,
} from './rtc-transports.js';
import { RTCPeerConnectionIceEvent } from './rtc-types.js';

/**
 * @internal Owned by `RTCPeerConnection`, which dispatches on `target`. The one writer of the
 * ICE transport's `gatheringState`.
 */
export class LocalGathering {
  /** `candidate:` lines gathered in the current generation (for the local description). */
  readonly candidates: string[] = [];
  /** End-of-candidates was reached in the current generation. */
  done = false;
  /** The state last decided (ahead of `iceGatheringState` while events are held). */
  private state: RTCIceGatheringState = 'new';
  private held: (() => void)[] | undefined;
  /** The generation before the last restart, while a rollback may bring it back. */
  private previous:
    | {
        readonly candidates: string[];
        readonly done: boolean;
        readonly state: RTCIceGatheringState;
      }
    | undefined;
  private releaseTimer: Timer | undefined;
  private closed = false;

  /**
   * @param section - the `sdpMid` and `sdpMLineIndex` of the media section the candidates
   *   belong to (the one that carries the transport), read when each is announced.
   * @param surface - adds a candidate line (`null`: end-of-candidates) of the ICE generation
   *   `ufrag` to the local descriptions, right before its `icecandidate` event (webrtc-pc).
   */
  constructor(
    private readonly target: EventTarget,
    private readonly iceTransport: RTCIceTransport,
    private readonly clock: Clock,
    private readonly section: () => readonly [sdpMid: string, sdpMLineIndex: number],
    private readonly surface: (
      candidate: string | null,
      sdpMid: string,
      sdpMLineIndex: number,
      ufrag: string,
    ) => void,
  ) {}

  /**
   * A local candidate of the Manager, `null` at end-of-candidates, of the ICE generation
   * `ufrag`. Its `sdpMid` and `sdpMLineIndex` are those of the section that carries the
   * transport when it is announced (a candidate gathered ahead of `setLocalDescription()`
   * waits for the description that names that section).
   */
  onCandidate(gathered: CandidateDescription | null, ufrag: string): void {
    if (gathered) this.candidates.push(gathered.candidate);
    else this.done = true;
    // End-of-candidates is an empty candidate (RFC 8838 §4.1), then a null one follows once
    // the gathering state is complete (webrtc-pc `icecandidate`).
    // webrtc-pc: a server-reflexive or relayed candidate names its server (`url`, and the
    // deprecated event `url`), a relayed one the transport to it (`relayProtocol`).
    const url = gathered?.url ?? null;
    this.announce(() => {
      const [sdpMid, sdpMLineIndex] = this.section();
      const candidate = new RTCIceCandidate({
        candidate: gathered?.candidate ?? '',
        sdpMid,
        sdpMLineIndex,
        usernameFragment: ufrag,
        url,
        relayProtocol: gathered?.relayProtocol ?? null,
      });
      this.surface(gathered?.candidate ?? null, sdpMid, sdpMLineIndex, ufrag);
      this.target.dispatchEvent(new RTCPeerConnectionIceEvent('icecandidate', { candidate, url }));
    });
  }

  /** The Manager's gathering state changed. */
  onState(state: RTCIceGatheringState): void {
    if (this.state === state) return;
    this.setState(state);
    if (state === 'complete') {
      this.announce(() => {
        // A listener of the state events may have closed the connection.
        if (this.closed) return;
        this.target.dispatchEvent(
          new RTCPeerConnectionIceEvent('icecandidate', { candidate: null }),
        );
      });
    }
  }

  /**
   * An ICE restart is about to announce the candidates again: a new generation begins. What
   * the current one gathered is kept for {@link LocalGathering.rollback}.
   */
  restart(): void {
    this.previous = { candidates: [...this.candidates], done: this.done, state: this.state };
    this.candidates.length = 0;
    this.done = false;
    this.held ??= [];
    if (this.state === 'complete') this.setState('gathering');
  }

  /**
   * The offer that began the generation was rolled back: the current generation's candidates
   * are those of the local description again, its gathering state comes back (with its
   * events), and events of the abandoned generation not yet dispatched are dropped.
   */
  rollback(): void {
    const previous = this.previous;
    if (previous === undefined) return;
    this.previous = undefined;
    this.candidates.splice(0, this.candidates.length, ...previous.candidates);
    this.done = previous.done;
    // Events still held (the description was never set) were never seen: dropped, and the
    // state goes back without events; after they went out, the state change is announced.
    const unseen = this.held !== undefined && this.releaseTimer === undefined;
    if (unseen) this.held = undefined;
    if (this.state === previous.state) return;
    if (unseen) this.state = previous.state;
    else this.setState(previous.state);
  }

  /**
   * Events from now on wait until `setLocalDescription()` has resolved ({@link release}):
   * those of a description being set (its promise resolves before its first `icecandidate`,
   * as in browsers, whose code may hand the candidate to a peer that has no description yet
   * otherwise), and those of candidates gathered ahead of it (webrtc-pc
   * `iceCandidatePoolSize`, JSEP §3.5.4), as a restart's do.
   */
  hold(): void {
    if (!this.closed) this.held ??= [];
  }

  /** `setLocalDescription()` is resolving: held events go out in the next task. */
  release(): void {
    if (!this.held || this.releaseTimer || this.closed) return;
    this.releaseTimer = this.clock.setTimeout(() => {
      this.releaseTimer = undefined;
      const held = this.held ?? [];
      this.held = undefined;
      for (const dispatch of held) if (!this.closed) dispatch();
    }, 0);
  }

  /** The peer connection closed: nothing more is dispatched. */
  close(): void {
    this.closed = true;
    this.releaseTimer?.cancel();
    this.releaseTimer = undefined;
    this.held = undefined;
  }

  private setState(state: RTCIceGatheringState): void {
    this.state = state;
    this.announce(() => {
      if (this.closed) return;
      iceTransportControl().setGatheringState(this.iceTransport, state);
      this.iceTransport.dispatchEvent(new Event('gatheringstatechange'));
      // Nothing fires once a listener closed the connection (webrtc-pc close()).
      if (this.closed) return;
      this.target.dispatchEvent(new Event('icegatheringstatechange'));
    });
  }

  /** Dispatches now, or after setLocalDescription() while a restart's events are held. */
  private announce(dispatch: () => void): void {
    if (this.held) this.held.push(dispatch);
    else dispatch();
  }
}
